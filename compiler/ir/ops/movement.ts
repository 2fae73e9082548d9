// ops: movement (to be written)
