import Aether
