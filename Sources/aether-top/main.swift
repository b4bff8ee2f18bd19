print("aether-top")
