import PluginKit
import SwiftExample
import Testing

@Test func greetsByName() throws {
    #expect(try Greeting.make(name: " Ada ") == "Hello, Ada!")
}

@Test func anEmptyNameIsRefusedNamingTheField() {
    #expect(throws: ToolError.self) { try Greeting.make(name: "  ") }
}
