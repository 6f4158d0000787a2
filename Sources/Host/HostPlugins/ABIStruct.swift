import HostBase
import PluginABI

/// A plugin's ABI struct read one field at a time. The struct may come from an
/// older minor and be smaller than this host's `MemoryLayout<S>.size`, so it
/// is never copied whole (`.pointee` would read past its end): 1.0 fields are
/// read directly once struct_size was checked against the frozen 1.0 size, and
/// fields appended later only when struct_size shows the writer had them.
@dynamicMemberLookup
struct ABIStruct<S> {
    let base: UnsafeRawPointer
    /// The writer's struct_size.
    let size: Int

    init(_ pointer: UnsafePointer<S>) {
        base = UnsafeRawPointer(pointer)
        size = Int(base.load(as: UInt32.self))  // every ABI struct begins with struct_size
    }

    /// A field every struct that passed the 1.0 size check has.
    subscript<T>(dynamicMember field: KeyPath<S, T>) -> T {
        base.load(fromByteOffset: MemoryLayout<S>.offset(of: field)!, as: T.self)
    }

    /// A field appended after 1.0: nil when the writer's struct ends before it.
    func appended<T>(_ field: KeyPath<S, T>) -> T? {
        let offset = MemoryLayout<S>.offset(of: field)!
        guard offset + MemoryLayout<T>.size <= size else { return nil }
        return base.load(fromByteOffset: offset, as: T.self)
    }
}
