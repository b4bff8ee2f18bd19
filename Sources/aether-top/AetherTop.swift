import Aether
import AetherTUI
import ArgumentParser

@main
struct AetherTop: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aether-top",
        abstract: "Watch and steer an Aether deployment.",
        discussion: """
            With no arguments, runs the embedded demo: an in-process deployment on the in-memory
            backends, no server needed. Until the dashboard lands, the demo prints in text form.
            """
    )

    func run() async throws {
        let report = try await EmbeddedDemo.run()
        print(report)
    }
}
