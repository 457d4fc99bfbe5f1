from lambdoctor.cli import main

main()
