using System.ComponentModel;
using System.Runtime.InteropServices;
using System.Text;

namespace ActorRollouts.Environments.Files;

/// <summary>The two marks overlayfs writes into an upper folder besides plain entries, read and written the way the kernel
/// does with the <c>userxattr</c> mount option: a deletion is a character device 0:0 (a whiteout), and a folder that hides
/// everything below it in the template (deleted, then made again) carries <c>user.overlay.opaque = y</c>.</summary>
public static class OverlayEntries
{
    private const string OpaqueAttribute = "user.overlay.opaque";
    private const uint CharDevice = 0x2000;

    public static bool IsOpaque(string directory)
    {
        Span<byte> value = stackalloc byte[4];
        var length = LGetXattr(directory, OpaqueAttribute, ref MemoryMarshal.GetReference(value), (nuint)value.Length);
        return length == 1 && value[0] == (byte)'y';
    }

    /// <summary>Writes a whiteout at <paramref name="path"/> (unprivileged since Linux 5.8).</summary>
    public static void WriteWhiteout(string path)
    {
        if (Mknod(path, CharDevice, 0) != 0) throw Failure("write a whiteout at", path);
    }

    public static void MarkOpaque(string directory)
    {
        var value = Encoding.ASCII.GetBytes("y");
        if (LSetXattr(directory, OpaqueAttribute, value, (nuint)value.Length, 0) != 0) throw Failure("mark opaque", directory);
    }

    private static IOException Failure(string what, string path) =>
        new($"cannot {what} '{path}': {new Win32Exception(Marshal.GetLastPInvokeError()).Message}");

    [DllImport("libc", EntryPoint = "mknod", SetLastError = true)]
    private static extern int Mknod([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint mode, ulong device);

    [DllImport("libc", EntryPoint = "lgetxattr", SetLastError = true)]
    private static extern nint LGetXattr([MarshalAs(UnmanagedType.LPUTF8Str)] string path, [MarshalAs(UnmanagedType.LPUTF8Str)] string name,
        ref byte value, nuint size);

    [DllImport("libc", EntryPoint = "lsetxattr", SetLastError = true)]
    private static extern int LSetXattr([MarshalAs(UnmanagedType.LPUTF8Str)] string path, [MarshalAs(UnmanagedType.LPUTF8Str)] string name,
        byte[] value, nuint size, int flags);
}
