; Two .random lines of 10,000,000 bytes each: each fits an 16 MiB --max-memory, together they do not (the limit
; bounds the program's data, every segment together; found by the asm fuzz target as a 12 s input).
.segment X at 0
.random int8 10000000 seed=1
.segment Y at 0x1000000
.random int8 10000000 seed=2
finish
