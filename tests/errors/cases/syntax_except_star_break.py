# Bad input: break out of an except* block.
# exit: 2
# stderr: {file}:9:13: 'break', 'continue' and 'return' cannot appear in an except* block
for i in range(3):
    try:
        pass
    except* ValueError:
        if i:
            break
