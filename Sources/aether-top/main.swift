import AetherTUI

// The stock aether-top: no application reducers (see AetherTop.main(reducers:)).
await AetherTop.main(reducers: [:])
