// ops: reduce (to be written)
