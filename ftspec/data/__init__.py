"""Dataset readers and checks shared by data gates and pipeline stages."""
