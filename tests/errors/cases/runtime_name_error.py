# A runtime error: Python's traceback on stderr, exit 1.
# exit: 1
# stderr: Traceback (most recent call last):
# stderr:   File "{abspath}", line 7, in <module>
# stderr: NameError: name 'pritn' is not defined. Did you mean: 'print'?
print("before")
pritn("after")
# stdout: before
