# The libraries' layering (docs/architecture.md), enforced at configure time: each project library may link only
# the project libraries listed for it here (external packages are not checked). A new edge is a design decision:
# add it here and to docs/architecture.md together.
set(NPU_LAYERS
  "support:"
  "isa:support"
  "timing:isa"
  "simulator:isa"
  "simulator_systemc:simulator,isa,timing"
  "rtl_harness:simulator_systemc,simulator,isa,timing"
  "hw_area:isa"
  "compiler_ir:isa"
  "compiler:compiler_ir,isa"
  "artifact:compiler_ir,isa"
  "compiler_npu:compiler,artifact,isa,timing"
  "compiler_host:compiler,isa"
  "runtime:isa,simulator,simulator_systemc,rtl_harness,artifact,compiler_ir,timing"
  "host_runtime:runtime,compiler_host"
  "codesign:isa,simulator,runtime,compiler,compiler_npu,hw_area,timing,simulator_systemc,rtl_harness"
  "npu_modelgen:compiler,isa")

function(npu_check_layering)
  set(libs)
  foreach(entry ${NPU_LAYERS})
    string(REPLACE ":" ";" parts "${entry}")
    list(GET parts 0 lib)
    list(APPEND libs ${lib})
  endforeach()
  foreach(entry ${NPU_LAYERS})
    string(REPLACE ":" ";" parts "${entry}")
    list(GET parts 0 lib)
    set(allowed)
    list(LENGTH parts n)
    if(n GREATER 1)
      list(GET parts 1 allowed)
      string(REPLACE "," ";" allowed "${allowed}")
    endif()
    if(NOT TARGET ${lib})
      message(FATAL_ERROR "cmake/Layering.cmake names '${lib}', which is not a target")
    endif()
    get_target_property(links ${lib} LINK_LIBRARIES)
    if(NOT links)
      set(links)
    endif()
    foreach(dep ${links})
      string(REGEX REPLACE "^\\$<LINK_ONLY:(.*)>$" "\\1" dep "${dep}")
      if(dep IN_LIST libs AND NOT dep IN_LIST allowed)
        message(FATAL_ERROR "library '${lib}' links '${dep}', which cmake/Layering.cmake does not allow "
                            "(docs/architecture.md: a library links only what is below it)")
      endif()
    endforeach()
  endforeach()
endfunction()
npu_check_layering()
