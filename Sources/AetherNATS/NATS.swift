/// The NATS client. Knows nothing of Aether.
public enum NATS {}
