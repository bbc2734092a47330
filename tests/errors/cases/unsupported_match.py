# Bad input: match statements are outside the subset.
# exit: 2
# stderr: {file}:5:1: 'match' statements are not supported in scenarios
x = 1
match x:
    case 1:
        print("one")
