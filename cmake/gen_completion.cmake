# Run the built CLI to write one shell's completion script: cmake -DCLI=... -DSHELL_NAME=bash
# -DOUT=file -P gen_completion.cmake. The script comes from the CLI's own option tables.
execute_process(COMMAND ${CLI} completion ${SHELL_NAME} OUTPUT_FILE ${OUT}.tmp
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  file(REMOVE ${OUT}.tmp)
  message(FATAL_ERROR "loopmsg completion ${SHELL_NAME} failed: ${rc}")
endif()
file(RENAME ${OUT}.tmp ${OUT})
