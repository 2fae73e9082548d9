// ops: attention (to be written)
