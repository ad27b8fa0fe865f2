# tidy-roff.awk: post-processes scdoc's roff so that `mandoc -T lint -W warning` is clean
# and options can be copied from the rendered page.
# - scdoc puts a paragraph macro (.P) around every block; drop those that are empty: after
#   .TH/.SH/.SS/.P, or before .SH/.SS/.RE/.P or the end of the page.
# - A bare "-" is a hyphen in roff (U+2010 in UTF-8 output with groff); options need the
#   minus sign "\-", so text lines and section headings get it.
function flush_pending() {
    if (pending) {
        print ".P"
        prev = ".P"
        pending = 0
    }
}
{
    line = $0
    if (line !~ /^[.']/ || line ~ /^\.S[HS] /)
        gsub(/-/, "\\-", line)
    if (line == ".P") {
        if (prev ~ /^\.(TH|SH|SS|P)( |$)/)
            next
        pending = 1
        next
    }
    if (pending && line ~ /^\.(SH|SS|RE|P)( |$)/)
        pending = 0
    flush_pending()
    print line
    prev = line
}
END { pending = 0 }
