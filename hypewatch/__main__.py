from hypewatch.cli import main

main()
