using System.Runtime.InteropServices;

// Reads one request per line on stdin, in order:
//   mount <TAB> lower <TAB> upper <TAB> work <TAB> target   answered with one line: ok | error <TAB> why
//   umount <TAB> target                                     not answered (nobody could act on a failure)
// It exits at the end of its input, which is how it ends with the engine, even after a SIGKILL: its namespace, and with
// it every overlay mounted here, goes with it.
var input = Console.In;
var output = Console.Out;
while (input.ReadLine() is { } line)
{
    var fields = line.Split('\t');
    if (fields is ["umount", var mountPoint])
    {
        Native.umount2(mountPoint, Native.MntDetach);
        continue;
    }
    var failed = fields is ["mount", var lower, var upper, var work, var target]
        ? Native.mount("overlay", target, "overlay", 0, $"lowerdir={lower},upperdir={upper},workdir={work},userxattr") == 0 ? null : Native.LastError()
        : $"not a request: '{line}'";
    output.WriteLine(failed is null ? "ok" : $"error\t{failed}");
    output.Flush();
}

internal static partial class Native
{
    /// <summary>Detaches the mount now and frees it once nothing uses it (<c>umount -l</c>).</summary>
    public const int MntDetach = 2;

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int mount(string source, string target, string fileSystemType, ulong flags, string data);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int umount2(string target, int flags);

    public static string LastError() => Marshal.GetLastPInvokeErrorMessage();
}
