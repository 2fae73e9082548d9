// ops: contraction (to be written)
