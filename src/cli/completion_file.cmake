# cmake -DAELAB=<binary> -DOUT=<file> -P completion_file.cmake: `aelab completion bash` > OUT.
execute_process(COMMAND ${AELAB} completion bash OUTPUT_VARIABLE script RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${AELAB} completion bash failed (${rc})")
endif()
get_filename_component(dir ${OUT} DIRECTORY)
file(MAKE_DIRECTORY ${dir})
file(WRITE ${OUT}.tmp "${script}")
file(RENAME ${OUT}.tmp ${OUT})
