using System.ComponentModel;
using System.Runtime.InteropServices;

namespace ActorRollouts.Environments.Files;

/// <summary>What a directory entry is, as the kernel says (symlinks not followed).</summary>
public enum FileKind
{
    Missing,
    Regular,
    Directory,
    Symlink,
    Fifo,
    Socket,
    CharDevice,
    BlockDevice,
}

/// <summary>What <c>statx(2)</c> says of an entry. <paramref name="Mode"/> is the permission bits (07777);
/// <paramref name="DeviceZero"/> marks a character device 0:0, which is how overlayfs writes a deletion (a whiteout).</summary>
public sealed record FileStat(FileKind Kind, int Mode, long Size, ulong Inode, long ChangedNs, long ModifiedNs, bool DeviceZero)
{
    public static readonly FileStat Missing = new(FileKind.Missing, 0, 0, 0, 0, 0, false);

    /// <summary>An overlayfs whiteout: the path is deleted in the merged tree.</summary>
    public bool IsWhiteout => Kind == FileKind.CharDevice && DeviceZero;
}

/// <summary>Tells regular files from FIFOs, sockets and devices, which .NET's file APIs do not: opening a FIFO blocks
/// until someone writes to it, so a tool or a change scan that opened one would hang for ever. Uses Linux
/// <c>statx(2)</c>, whose buffer has one layout on every architecture (unlike <c>struct stat</c>).</summary>
public static class FileKinds
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxBasic = 0x7FF; // STATX_BASIC_STATS
    private const int Enoent = 2;
    private const int Enotdir = 20;

    public static FileKind Of(string path) => Stat(path).Kind;

    /// <summary>The entry's kind, permission bits, size and change stamps (symlinks not followed); <see cref="FileStat.Missing"/>
    /// when nothing is there.</summary>
    public static FileStat Stat(string path)
    {
        if (Statx(AtFdCwd, path, AtSymlinkNoFollow, StatxBasic, out var buffer) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno is Enoent or Enotdir) return FileStat.Missing;
            throw new IOException($"cannot stat '{path}': {new Win32Exception(errno).Message}");
        }
        return new FileStat(KindOf(buffer.Mode), buffer.Mode & 0xFFF, (long)buffer.Size, buffer.Inode,
            buffer.CtimeSeconds * 1_000_000_000 + buffer.CtimeNanos, buffer.MtimeSeconds * 1_000_000_000 + buffer.MtimeNanos,
            buffer.RdevMajor == 0 && buffer.RdevMinor == 0);
    }

    private static FileKind KindOf(ushort mode) => (mode & 0xF000) switch
    {
        0x8000 => FileKind.Regular,
        0x4000 => FileKind.Directory,
        0xA000 => FileKind.Symlink,
        0x1000 => FileKind.Fifo,
        0xC000 => FileKind.Socket,
        0x2000 => FileKind.CharDevice,
        0x6000 => FileKind.BlockDevice,
        _ => FileKind.Missing,
    };

    /// <summary>FIFOs, sockets and devices: never opened by a tool or a change scan, only skipped and reported.</summary>
    public static bool IsSpecial(this FileKind kind) => kind is FileKind.Fifo or FileKind.Socket or FileKind.CharDevice or FileKind.BlockDevice;

    /// <summary>How a special file is named to the model and in reports.</summary>
    public static string Describe(this FileKind kind) => kind switch
    {
        FileKind.Fifo => "a FIFO (named pipe)",
        FileKind.Socket => "a socket",
        FileKind.CharDevice => "a character device",
        FileKind.BlockDevice => "a block device",
        FileKind.Directory => "a directory",
        FileKind.Symlink => "a symlink",
        _ => "a file",
    };

    /// <summary><c>struct statx</c> as far as <c>stx_rdev_minor</c>, padded to its full 256 bytes.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 256)]
    private struct StatxBuffer
    {
        [FieldOffset(28)] public ushort Mode;
        [FieldOffset(32)] public ulong Inode;
        [FieldOffset(40)] public ulong Size;
        [FieldOffset(96)] public long CtimeSeconds;
        [FieldOffset(104)] public uint CtimeNanos;
        [FieldOffset(112)] public long MtimeSeconds;
        [FieldOffset(120)] public uint MtimeNanos;
        [FieldOffset(128)] public uint RdevMajor;
        [FieldOffset(132)] public uint RdevMinor;
    }

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static extern int Statx(int dirFd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, out StatxBuffer buffer);
}
