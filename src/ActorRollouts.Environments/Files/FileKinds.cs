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

/// <summary>Tells regular files from FIFOs, sockets and devices, which .NET's file APIs do not: opening a FIFO blocks
/// until someone writes to it, so a tool or a change scan that opened one would hang for ever. Uses Linux
/// <c>statx(2)</c>, whose buffer has one layout on every architecture (unlike <c>struct stat</c>).</summary>
public static class FileKinds
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxType = 0x1;
    private const int Enoent = 2;
    private const int Enotdir = 20;

    public static FileKind Of(string path)
    {
        if (Statx(AtFdCwd, path, AtSymlinkNoFollow, StatxType, out var buffer) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno is Enoent or Enotdir) return FileKind.Missing;
            throw new IOException($"cannot stat '{path}': {new Win32Exception(errno).Message}");
        }
        return (buffer.Mode & 0xF000) switch
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
    }

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

    /// <summary>The first 32 bytes of <c>struct statx</c> as far as <c>stx_mode</c>, padded to its full 256 bytes.</summary>
    [StructLayout(LayoutKind.Sequential, Size = 256)]
    private struct StatxBuffer
    {
        public uint Mask;
        public uint BlockSize;
        public ulong Attributes;
        public uint Links;
        public uint Uid;
        public uint Gid;
        public ushort Mode;
    }

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static extern int Statx(int dirFd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, out StatxBuffer buffer);
}
