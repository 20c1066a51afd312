from mediasync._cli.main import main

main()
