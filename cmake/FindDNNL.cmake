# FindDNNL.cmake — finds oneDNN (DNNL) from its header and library, and defines DNNL::dnnl.
#
# oneDNN's own CMake config is not used: Debian's (and any oneDNN built with a GPU runtime) calls
# find_package(OpenCL REQUIRED), so configuring fails without the OpenCL headers although
# relunet runs on the CPU only and dnnl.hpp includes no OpenCL header. The version comes from
# dnnl_version.h; relunet uses the v2 API (operation descriptors), so 3.x is refused here.
# relunet includes <oneapi/dnnl/dnnl.hpp>, the header this looks for. Another oneDNN 2.x than the
# system's is chosen with -DDNNL_ROOT=PREFIX (or CMAKE_PREFIX_PATH).
find_path(DNNL_INCLUDE_DIR oneapi/dnnl/dnnl.hpp)
find_library(DNNL_LIBRARY dnnl)
if(DNNL_INCLUDE_DIR AND EXISTS "${DNNL_INCLUDE_DIR}/oneapi/dnnl/dnnl_version.h")
  file(STRINGS "${DNNL_INCLUDE_DIR}/oneapi/dnnl/dnnl_version.h" _dnnl_version_lines
       REGEX "#define DNNL_VERSION_(MAJOR|MINOR|PATCH) ")
  foreach(_part MAJOR MINOR PATCH)
    string(REGEX REPLACE ".*#define DNNL_VERSION_${_part} ([0-9]+).*" "\\1" DNNL_VERSION_${_part}
           "${_dnnl_version_lines}")
  endforeach()
  set(DNNL_VERSION "${DNNL_VERSION_MAJOR}.${DNNL_VERSION_MINOR}.${DNNL_VERSION_PATCH}")
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(DNNL REQUIRED_VARS DNNL_LIBRARY DNNL_INCLUDE_DIR
                                  VERSION_VAR DNNL_VERSION)
if(DNNL_FOUND AND NOT DNNL_VERSION_MAJOR EQUAL 2)
  message(FATAL_ERROR "relunet needs oneDNN 2.x (the v2 API with operation descriptors); found "
                      "${DNNL_VERSION} in ${DNNL_INCLUDE_DIR}")
endif()
if(DNNL_FOUND AND NOT TARGET DNNL::dnnl)
  add_library(DNNL::dnnl UNKNOWN IMPORTED)
  set_target_properties(DNNL::dnnl PROPERTIES IMPORTED_LOCATION "${DNNL_LIBRARY}"
                        INTERFACE_INCLUDE_DIRECTORIES "${DNNL_INCLUDE_DIR}")
endif()
mark_as_advanced(DNNL_INCLUDE_DIR DNNL_LIBRARY)
