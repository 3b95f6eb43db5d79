# Pure-Python arithmetic of the module: no ORM import here, so it is tested fast
# and exhaustively, and the models call it in batches.
