# Install rules (cmake --install build --prefix P): npuc and the user tools, the libraries and their public
# headers, the CMake package find_package(npu) with npu:: targets, npu.pc, the shipped configs, the docs and
# what the rtl backend of an installed npuc needs. Included once from the top CMakeLists.txt, after every target
# exists. The layout (hw/verilator/src/ModelLoader.cpp and support/src/InstallLayout.cpp find it at run time):
#   bin/npuc, bin/npu-modelgen, bin/npu-isagen
#   lib/npu/lib*.a, lib/npu/rtl-models/*.so        (lib/npu: generic names such as libruntime.a stay out of lib/)
#   lib/cmake/npu/, lib/pkgconfig/npu.pc, include/npu/...
#   share/npu/configs/*.yaml, share/npu/rtl/{rtl,verilator}, share/doc/npu/
include(CMakePackageConfigHelpers)

set(NPU_INSTALL_LIBDIR lib/npu)
set(NPU_INSTALL_CMAKEDIR lib/cmake/npu)

# The project's libraries that ROOTS link, directly or through others, roots included. Static libraries need
# every one of them installed and exported.
function(npu_link_closure OUT)
  set(todo ${ARGN})
  set(seen)
  while(todo)
    list(POP_FRONT todo t)
    if(NOT TARGET ${t} OR t IN_LIST seen)
      continue()
    endif()
    get_target_property(imported ${t} IMPORTED)
    if(imported)
      continue()
    endif()
    list(APPEND seen ${t})
    get_target_property(deps ${t} LINK_LIBRARIES)
    get_target_property(ideps ${t} INTERFACE_LINK_LIBRARIES)
    list(FILTER deps EXCLUDE REGEX "-NOTFOUND$")
    list(FILTER ideps EXCLUDE REGEX "-NOTFOUND$")
    foreach(d IN LISTS deps ideps)
      string(REGEX REPLACE "^\\$<LINK_ONLY:(.*)>$" "\\1" d "${d}")
      list(APPEND todo ${d})
    endforeach()
  endwhile()
  set(${OUT} ${seen} PARENT_SCOPE)
endfunction()

# LIBS in link order for a static link: each library before the libraries it uses.
function(npu_link_order OUT)
  set(left ${ARGN})
  set(order)
  while(left)
    set(before ${left})
    foreach(t IN LISTS left)
      set(used FALSE) # does another library still left link t?
      foreach(u IN LISTS left)
        get_target_property(deps ${u} LINK_LIBRARIES)
        if(deps AND NOT u STREQUAL t AND t IN_LIST deps)
          set(used TRUE)
        endif()
      endforeach()
      if(NOT used)
        list(APPEND order ${t})
        list(REMOVE_ITEM left ${t})
        break()
      endif()
    endforeach()
    if(left STREQUAL before) # a cycle: the rest in any order (a static link may need them twice)
      list(APPEND order ${left})
      break()
    endif()
  endwhile()
  set(${OUT} ${order} PARENT_SCOPE)
endfunction()

# What users link: the NPU compiler, the runtime (run on func/systemc/rtl) and the LLVM host compiler.
npu_link_closure(NPU_EXPORTED_LIBS runtime compiler_npu compiler_host)
foreach(t IN LISTS NPU_EXPORTED_LIBS)
  # Headers: the include/ folders of the sources, copied to P/include; the build uses them in place.
  get_target_property(dirs ${t} INTERFACE_INCLUDE_DIRECTORIES)
  if(NOT dirs) # timing has none of its own
    set(dirs)
  endif()
  set(wrapped)
  foreach(d IN LISTS dirs)
    if(d MATCHES "^\\$<" OR NOT IS_DIRECTORY ${d})
      list(APPEND wrapped "${d}")
      continue()
    endif()
    install(DIRECTORY ${d}/ DESTINATION include FILES_MATCHING PATTERN "*.h" PATTERN "*.def" PATTERN "*.inc")
    list(APPEND wrapped "$<BUILD_INTERFACE:${d}>")
  endforeach()
  set_property(TARGET ${t} PROPERTY INTERFACE_INCLUDE_DIRECTORIES ${wrapped})
  set_property(TARGET ${t} APPEND PROPERTY INTERFACE_COMPILE_FEATURES cxx_std_20)
endforeach()
# The header-only host_runtime (npu/runtime/HostJit.h): users link npu::runtime and npu::compiler_host for it.
install(FILES ${PROJECT_SOURCE_DIR}/runtime/host/include/npu/runtime/HostJit.h DESTINATION include/npu/runtime)
install(TARGETS ${NPU_EXPORTED_LIBS} EXPORT npuTargets
        ARCHIVE DESTINATION ${NPU_INSTALL_LIBDIR} LIBRARY DESTINATION ${NPU_INSTALL_LIBDIR}
        INCLUDES DESTINATION include)
install(EXPORT npuTargets NAMESPACE npu:: DESTINATION ${NPU_INSTALL_CMAKEDIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/npuConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/cmake/npuConfig.cmake INSTALL_DESTINATION ${NPU_INSTALL_CMAKEDIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/cmake/npuConfigVersion.cmake
                                 VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/cmake/npuConfig.cmake ${PROJECT_BINARY_DIR}/cmake/npuConfigVersion.cmake
        DESTINATION ${NPU_INSTALL_CMAKEDIR})

# npu.pc: the same libraries in link order, then what they use outside the project.
npu_link_order(NPU_PC_ORDER ${NPU_EXPORTED_LIBS})
list(TRANSFORM NPU_PC_ORDER PREPEND "-l" OUTPUT_VARIABLE NPU_PC_LIBS)
list(JOIN NPU_PC_LIBS " " NPU_PC_LIBS)
set(NPU_PC_EXTERNAL "$<TARGET_LINKER_FILE:onnx> $<TARGET_LINKER_FILE:onnx_proto> -L${LLVM_LIBRARY_DIR} -lLLVM-${LLVM_VERSION_MAJOR} -Wl,-rpath,${LLVM_LIBRARY_DIR} -l${CMAKE_DL_LIBS} -pthread -Wl,-u,sc_main")
file(READ ${PROJECT_SOURCE_DIR}/cmake/npu.pc.in NPU_PC_TEXT)
string(CONFIGURE "${NPU_PC_TEXT}" NPU_PC_TEXT @ONLY)
file(GENERATE OUTPUT ${PROJECT_BINARY_DIR}/cmake/npu.pc CONTENT "${NPU_PC_TEXT}")
install(FILES ${PROJECT_BINARY_DIR}/cmake/npu.pc DESTINATION lib/pkgconfig)

# The user tools (not the tests and benches). Built with the run path they are installed with (LLVM's library
# folder, where npuc's libLLVM is): install then copies them as they are (CMake cannot rewrite the run path of
# the lld-linked npuc at install: "could not write new RPATH").
set(NPU_INSTALLED_TOOLS npuc npu-modelgen npu-isagen)
set_target_properties(${NPU_INSTALLED_TOOLS} PROPERTIES BUILD_WITH_INSTALL_RPATH ON INSTALL_RPATH "${LLVM_LIBRARY_DIR}")
install(TARGETS ${NPU_INSTALLED_TOOLS} RUNTIME DESTINATION bin)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/configs/ DESTINATION share/npu/configs FILES_MATCHING PATTERN "*.yaml")
install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/ DESTINATION share/doc/npu)
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION share/doc/npu)

# The rtl backend of an installed npuc: the models built with the project (NPU_RTL_CONFIGS, when rtl_models was
# built), and the RTL sources with the build script and shim, from which it builds the model of any other
# config into the user's cache (~/.cache/npu/rtl; needs verilator and a C++ compiler).
# hw/CMakeLists.txt builds them into ${CMAKE_BINARY_DIR}/rtl-models (NPU_RTL_MODEL_DIR, a variable of that folder).
install(DIRECTORY ${CMAKE_BINARY_DIR}/rtl-models/ DESTINATION ${NPU_INSTALL_LIBDIR}/rtl-models OPTIONAL
        FILES_MATCHING PATTERN "npu_rtl_*.so")
install(DIRECTORY ${PROJECT_SOURCE_DIR}/hw/rtl/ DESTINATION share/npu/rtl/rtl FILES_MATCHING PATTERN "*.sv")
install(PROGRAMS ${PROJECT_SOURCE_DIR}/hw/verilator/build-model.sh DESTINATION share/npu/rtl/verilator)
install(FILES ${PROJECT_SOURCE_DIR}/hw/verilator/src/ModelShim.cpp ${PROJECT_SOURCE_DIR}/hw/verilator/src/ModelAbi.h
        DESTINATION share/npu/rtl/verilator/src)
