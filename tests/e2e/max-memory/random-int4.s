; .random whose data (28,833,333 bytes of int4) is above a 16 MiB --max-memory: refused before generating.
.segment X at 0
.random int4 57666666 seed=1
finish
