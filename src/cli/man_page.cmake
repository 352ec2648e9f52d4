# cmake -DAELAB=<binary> -DHELP2MAN=<help2man> -DVERSION=<x.y.z> -DOUT=<aelab.1> -P man_page.cmake
# The man page: help2man on `aelab --help` (the version given, not `aelab --version`: its
# LibTorch, CUDA and BLAS lines describe the build machine), plus a COMMANDS section with
# the --help of every subcommand (the list comes from `aelab completion commands`).
execute_process(COMMAND ${AELAB} completion commands OUTPUT_VARIABLE commands RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${AELAB} completion commands failed (${rc})")
endif()
string(REPLACE "\n" ";" commands "${commands}")

set(include "[COMMANDS]\n")
foreach(command IN LISTS commands)
  if(command STREQUAL "")
    continue()
  endif()
  string(REPLACE " " ";" words "${command}")
  execute_process(COMMAND ${AELAB} ${words} --help OUTPUT_VARIABLE help RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${AELAB} ${command} --help failed (${rc})")
  endif()
  # roff: backslashes and minus signs escaped, no line read as a request.
  string(REPLACE "\\" "\\e" help "${help}")
  string(REPLACE "-" "\\-" help "${help}")
  string(REGEX REPLACE "(^|\n)([.'])" "\\1\\\\&\\2" help "${help}")
  string(APPEND include ".SS \"aelab ${command}\"\n.nf\n${help}.fi\n")
endforeach()
string(APPEND include "
[ENVIRONMENT]
.TP
.B AELAB_DATA
a folder searched for datasets when no \\-\\-data\\-dir is given (after it:
/usr/share/datasets, then ../shared/data).

[SEE ALSO]
docs/experiment\\-files.md (every key of an experiment file), docs/studies.md,
docs/run\\-folder.md in the aelab source tree.
")
get_filename_component(dir ${OUT} DIRECTORY)
file(MAKE_DIRECTORY ${dir})
file(WRITE ${OUT}.include "${include}")
execute_process(
  COMMAND ${HELP2MAN} --no-info --section=1 --version-string=${VERSION}
          "--name=train, evaluate, tune and inspect autoencoders on image datasets"
          --include=${OUT}.include --output=${OUT}.tmp ${AELAB}
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "help2man ${AELAB} failed (${rc})")
endif()
file(RENAME ${OUT}.tmp ${OUT})
