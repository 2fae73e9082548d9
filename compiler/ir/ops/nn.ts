// ops: nn (to be written)
