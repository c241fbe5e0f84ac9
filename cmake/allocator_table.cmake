# vtb_read_allocator_table(): reads harness/allocators.tsv (the one allocator table) into
# the caller's scope:
#   VTB_ALLOCATORS                    the names, in table order
#   VTB_ALLOCATOR_<name>_PACKAGE      its Debian package
#   VTB_ALLOCATOR_<name>_LIBRARY      the shared object to LD_PRELOAD, empty for none
#   VTB_ALLOCATOR_<name>_MARKER       the symbol that identifies it
# A malformed row stops the configuration with the row quoted.
function(vtb_read_allocator_table)
  set(table ${PROJECT_SOURCE_DIR}/harness/allocators.tsv)
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${table})
  file(STRINGS ${table} rows REGEX "^[^#]")
  set(names)
  foreach(row IN LISTS rows)
    string(REGEX MATCHALL "[^ \t]+" fields "${row}")
    list(LENGTH fields field_count)
    if(field_count EQUAL 0)
      continue()
    endif()
    if(NOT field_count EQUAL 4)
      message(FATAL_ERROR "${table}: '${row}' does not have 4 columns (name debian_package library marker_symbol)")
    endif()
    list(GET fields 0 name)
    list(GET fields 1 package)
    list(GET fields 2 library)
    list(GET fields 3 marker)
    if(name IN_LIST names)
      message(FATAL_ERROR "${table}: allocator '${name}' has two rows")
    endif()
    if(library STREQUAL "-")
      set(library "")
    endif()
    list(APPEND names ${name})
    set(VTB_ALLOCATOR_${name}_PACKAGE ${package} PARENT_SCOPE)
    set(VTB_ALLOCATOR_${name}_LIBRARY "${library}" PARENT_SCOPE)
    set(VTB_ALLOCATOR_${name}_MARKER ${marker} PARENT_SCOPE)
  endforeach()
  set(VTB_ALLOCATORS ${names} PARENT_SCOPE)
endfunction()
