using System.Runtime.InteropServices;

namespace ActorRollouts.Bench;

/// <summary>Lets files deleted before a full run stop slowing down the files the run creates.
/// Why: on ext4 without a journal (this machine's root file system) the kernel will not reuse an inode deleted in the
/// last 60 s, or in the last 360 s when that inode's table block is dirty, and it rereads every such inode each time it
/// allocates one (<c>recently_deleted</c> in <c>fs/ext4/ialloc.c</c>). After a test run or an earlier benchmark deleted
/// its tens of thousands of files, every mkdir and file creation of the next minutes pays that scan. In a profile
/// started 20 s after a benchmark's clean-up, the engine spent 4-5% of its CPU there and the bare loop 1-2.5%: which
/// mode pays more depends on where its folders land, so it skews the ratios. Writing back and waiting 61 s is not
/// enough: the run's own new inodes dirty the same table blocks again (the engine still lost 4.5% at latency 0 in such
/// a run). Profiled after 6 min of quiet, either spent under 0.1% there.</summary>
public static class QuietFileSystem
{
    /// <summary>Past the kernel's longest "recent" window (360 s), with a margin.</summary>
    public static readonly TimeSpan Settle = TimeSpan.FromSeconds(370);

    public static async Task WaitAsync(TimeSpan settle, CancellationToken cancel)
    {
        if (settle <= TimeSpan.Zero) return;
        Console.Error.WriteLine($"bench: waiting {settle.TotalSeconds:0} s with the file system written back, so files deleted before this run do not slow it (README \"Performance\"; --settle 0 skips it)");
        sync();
        await Task.Delay(settle, cancel);
    }

    [DllImport("libc", EntryPoint = "sync")]
    private static extern void sync();
}
