// ops: random (to be written)
