# os and sys at large: getenv with a default (the environment is empty in scenarios), os.path names, sys.stdout.write, get/setrecursionlimit, sys.exit's status.
import os, sys
print(os.getenv("LOOPSCOPE_NOPE", "dflt"), os.environ.get("LOOPSCOPE_NOPE"))
sys.stdout.write("written\n")
print(sys.getrecursionlimit(), os.path.basename("/a/b.py"), os.path.join("a", "b", "c.txt"), os.path.splitext("x/y.tar.gz"), os.path.dirname("/a/b/c"), os.sep, len(sys.argv))
sys.setrecursionlimit(2000)
print(sys.getrecursionlimit(), os.cpu_count(), os.path.split("a/b"), os.path.isabs("/x"))
sys.exit(3)
