# Checks that a file is a non-empty FST waveform: -DFILE=path. It must start with the FST header block (block
# type 0, FST_BL_HDR, then the 64-bit section length 329 of a header block).
if(NOT EXISTS "${FILE}")
  message(FATAL_ERROR "${FILE} does not exist")
endif()
file(SIZE "${FILE}" Size)
if(Size LESS 330)
  message(FATAL_ERROR "${FILE}: ${Size} bytes, too small for an FST file")
endif()
file(READ "${FILE}" Head LIMIT 9 HEX)
if(NOT Head STREQUAL "000000000000000149")
  message(FATAL_ERROR "${FILE}: starts with ${Head}, not an FST header block")
endif()
message("${FILE}: FST, ${Size} bytes")
