; A program declaring 4 GiB of DRAM: it assembles, and npuc run refuses its DRAM image (default limit 2 GiB).
.dram 0x100000000
.segment X at 0
.i8 1 2 3
finish
