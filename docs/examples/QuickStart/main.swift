print("qs")
