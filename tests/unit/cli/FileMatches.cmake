# Checks that a file exists and its contents match a regex: -DFILE=path -DMATCH=regex
if(NOT EXISTS "${FILE}")
  message(FATAL_ERROR "${FILE} does not exist")
endif()
file(READ "${FILE}" Text)
if(NOT Text MATCHES "${MATCH}")
  message(FATAL_ERROR "${FILE} does not match ${MATCH}:\n${Text}")
endif()
