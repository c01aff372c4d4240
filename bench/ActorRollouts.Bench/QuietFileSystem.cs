using System.Runtime.InteropServices;

namespace ActorRollouts.Bench;

/// <summary>Lets files deleted before a full run stop slowing down the files the run creates.
/// Why: on ext4 without a journal (this machine's root file system) the kernel will not reuse an inode deleted in the
/// last 60 s, or 360 s while its inode table block is not yet written back, and it rereads every such inode each time it
/// allocates one (<c>recently_deleted</c> in <c>fs/ext4/ialloc.c</c>). After a test run or an earlier benchmark deleted
/// its tens of thousands of files, every mkdir and file creation of the next minutes pays that scan. In one profile
/// started 20 s after a benchmark's clean-up, the engine spent 4-5% of its CPU there and the bare loop 1-2.5%: which
/// mode pays more depends on where its folders land, so it skews the ratios. Profiled again after writing back and waiting
/// 6 min, either spent under 0.1% there.</summary>
public static class QuietFileSystem
{
    public static readonly TimeSpan Settle = TimeSpan.FromSeconds(61);

    public static async Task WaitAsync(CancellationToken cancel)
    {
        Console.Error.WriteLine($"bench: writing the file system back and waiting {Settle.TotalSeconds:0} s, so files deleted before this run do not slow it (README \"Performance\")");
        sync();
        await Task.Delay(Settle, cancel);
    }

    [DllImport("libc", EntryPoint = "sync")]
    private static extern void sync();
}
