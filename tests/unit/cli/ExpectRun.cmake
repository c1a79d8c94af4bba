# Runs one npuc command line and checks its exit status and output (stdout and stderr together).
# -DNPUC=path -DARGS=a@@b@@c -DEXIT=N [-DMATCH=regex] [-DNOMATCH=regex] [-DWORKDIR=dir]
string(REPLACE "@@" ";" Args "${ARGS}")
if(NOT WORKDIR)
  set(WORKDIR ".")
endif()
execute_process(COMMAND "${NPUC}" ${Args} WORKING_DIRECTORY "${WORKDIR}"
                RESULT_VARIABLE Rc OUTPUT_VARIABLE Out ERROR_VARIABLE Err)
set(All "${Out}${Err}")
message("$ npuc ${Args}\n${All}[exit ${Rc}]")
if(NOT "${Rc}" STREQUAL "${EXIT}")
  message(FATAL_ERROR "expected exit status ${EXIT}, got ${Rc}")
endif()
if(DEFINED MATCH AND NOT All MATCHES "${MATCH}")
  message(FATAL_ERROR "output does not match: ${MATCH}")
endif()
if(DEFINED NOMATCH AND All MATCHES "${NOMATCH}")
  message(FATAL_ERROR "output unexpectedly matches: ${NOMATCH}")
endif()
