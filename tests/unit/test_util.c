/* SPDX-License-Identifier: MIT */
/* test_util.c: the utility layer's buffer (reserve/commit) and whole-descriptor reads. */
#include "test_support.h"
#include "util_int.h"

#include <errno.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void test_util__reserve_then_commit_appends_and_terminates(void **state)
{
    (void)state;
    loopmsg__buf b = LOOPMSG__BUF_LIBC;
    loopmsg__buf_puts(&b, "ab");
    char *at = loopmsg__buf_reserve(&b, 10);
    assert_non_null(at);
    assert_ptr_equal(at, b.ptr + 2);
    memcpy(at, "cdefXXXX", 8);
    loopmsg__buf_commit(&b, 4); /* fewer than reserved */
    assert_int_equal(b.len, 6);
    assert_string_equal(b.ptr, "abcdef");
    loopmsg__buf_clear(&b);
}

static void test_util__reserve_on_a_failed_buffer_is_null(void **state)
{
    (void)state;
    loopmsg__buf b = LOOPMSG__BUF_LIBC;
    assert_null(loopmsg__buf_reserve(&b, SIZE_MAX)); /* cannot be met: the buffer fails */
    assert_false(loopmsg__buf_ok(&b));
    assert_null(loopmsg__buf_reserve(&b, 1));
    loopmsg__buf_commit(&b, 1); /* a no-op */
    assert_int_equal(b.len, 0);
    loopmsg__buf_clear(&b);
}

/* Write n bytes of pattern into a pipe from a child process; the read end. */
static int pipe_of(size_t n)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        char chunk[1000];
        for (size_t i = 0; i < sizeof chunk; i++)
            chunk[i] = (char)('a' + i % 26);
        for (size_t left = n; left;) {
            size_t k = left < sizeof chunk ? left : sizeof chunk;
            if (write(fds[1], chunk, k) != (ssize_t)k)
                _exit(1);
            left -= k;
        }
        _exit(0);
    }
    close(fds[1]);
    return fds[0];
}

static void test_util__read_fd_reads_to_the_end(void **state)
{
    (void)state;
    int fd = pipe_of(100000); /* many reads, pipe buffer smaller than the whole */
    loopmsg__buf b = LOOPMSG__BUF_LIBC;
    loopmsg__buf_puts(&b, "head:");
    assert_int_equal(loopmsg__read_fd(fd, 100000, &b), 0);
    close(fd);
    assert_int_equal(b.len, 5 + 100000);
    assert_int_equal(b.ptr[5], 'a');
    assert_int_equal(b.ptr[5 + 99999], (char)('a' + 999 % 26));
    assert_int_equal(b.ptr[b.len], '\0');
    loopmsg__buf_clear(&b);
    while (wait(NULL) > 0) {
    }
}

static void test_util__read_fd_over_the_cap_is_efbig(void **state)
{
    (void)state;
    int fd = pipe_of(100001);
    loopmsg__buf b = LOOPMSG__BUF_LIBC;
    errno = 0;
    assert_int_equal(loopmsg__read_fd(fd, 100000, &b), -1);
    assert_int_equal(errno, EFBIG);
    assert_false(loopmsg__buf_ok(&b));
    close(fd);
    loopmsg__buf_clear(&b);
    while (wait(NULL) > 0) {
    }
}

static void test_util__read_fd_on_a_bad_descriptor_fails(void **state)
{
    (void)state;
    loopmsg__buf b = LOOPMSG__BUF_LIBC;
    assert_int_equal(loopmsg__read_fd(-1, 10, &b), -1);
    assert_int_equal(errno, EBADF);
    loopmsg__buf_clear(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_util__reserve_then_commit_appends_and_terminates,
                                        ts_setup, ts_teardown),
        cmocka_unit_test_setup_teardown(test_util__reserve_on_a_failed_buffer_is_null, ts_setup,
                                        ts_teardown),
        cmocka_unit_test_setup_teardown(test_util__read_fd_reads_to_the_end, ts_setup, ts_teardown),
        cmocka_unit_test_setup_teardown(test_util__read_fd_over_the_cap_is_efbig, ts_setup,
                                        ts_teardown),
        cmocka_unit_test_setup_teardown(test_util__read_fd_on_a_bad_descriptor_fails, ts_setup,
                                        ts_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
