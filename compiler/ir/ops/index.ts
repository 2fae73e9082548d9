// ops: index (to be written)
