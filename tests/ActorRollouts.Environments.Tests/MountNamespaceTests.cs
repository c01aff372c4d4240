using System.Diagnostics;
using ActorRollouts.Environments.Workspaces;

namespace ActorRollouts.Environments.Tests;

/// <summary>Every workspace of a process is mounted by one helper in one namespace: no process per workspace (each one
/// we start forks us and copies every descriptor we hold), mounts and unmounts answered in order, a failure named, and
/// the namespace ends with the helper's input.</summary>
public class MountNamespaceTests : IDisposable
{
    private readonly string _base = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "ar-mount-tests", Guid.NewGuid().ToString("n")[..12])).FullName;

    [Fact]
    public void ManyWorkspaces_ShareOneHelper_WhichStartsNoProcess()
    {
        var lower = Template();
        var workspaces = Enumerable.Range(0, 20).Select(i => Workspace.Open(Path.Combine(_base, $"ws{i}"), lower)).ToList();
        try
        {
            var helper = Assert.Single(workspaces.Select(w => w.Mount!.Pid).Distinct());

            Assert.All(workspaces, w => Assert.Equal("template\n", File.ReadAllText(Path.Combine(w.Root, "file.txt"))));
            Assert.Equal("", File.ReadAllText($"/proc/{helper}/task/{helper}/children").Trim());
        }
        finally
        {
            workspaces.ForEach(w => w.Dispose());
        }
    }

    [Fact]
    public async Task ADisposedWorkspace_IsUnmounted_ItsChangesStay()
    {
        using var ns = MountNamespace.Start();
        var lower = Template();
        var gone = await Workspace.OpenAsync(Path.Combine(_base, "gone"), lower, ns);
        File.WriteAllText(Path.Combine(gone.Root, "kept.txt"), "kept\n");
        var mountPoint = gone.Mount!.MountPoint;

        gone.Dispose();
        using var after = await Workspace.OpenAsync(Path.Combine(_base, "after"), lower, ns); // answered only after the unmount ran

        var mounts = File.ReadAllText($"/proc/{ns.Pid}/mountinfo");
        Assert.DoesNotContain($" {mountPoint} ", mounts);
        Assert.Contains($" {after.Mount!.MountPoint} ", mounts);
        Assert.Equal("kept\n", File.ReadAllText(Path.Combine(gone.Upper, "kept.txt")));
    }

    [Fact]
    public void AFailedMount_SaysWhy_AndTheHelperGoesOn()
    {
        using var ns = MountNamespace.Start();
        var lower = Template();
        var missing = Path.Combine(_base, "no-such-upper");

        var error = Assert.Throws<IOException>(() => OverlayMount.Start(lower, missing, Folder("work"), Folder("merged"), ns));
        using var next = OverlayMount.Start(lower, Folder("upper"), Folder("work2"), Folder("merged2"), ns);

        Assert.Contains("could not mount the workspace's overlay at", error.Message);
        Assert.Contains("No such file or directory", error.Message);
        Assert.True(File.Exists(Path.Combine(next.Root, "file.txt")));
    }

    /// <summary>Mounts go to the helper back to back and each answer reaches its own caller: half of 200 concurrent
    /// mounts fail (their upper folder is missing), and exactly those throw, each naming its own mount point.</summary>
    [Fact]
    public async Task ConcurrentMounts_EachGetItsOwnAnswer()
    {
        using var ns = MountNamespace.Start();
        var lower = Template();
        var attempts = Enumerable.Range(0, 200).Select(i => Task.Run(async () =>
        {
            var upper = i % 2 == 0 ? Folder($"u{i}") : Path.Combine(_base, $"missing{i}");
            var mountPoint = Folder($"m{i}");
            try
            {
                using var mount = await OverlayMount.StartAsync(lower, upper, Folder($"w{i}"), mountPoint, ns);
                return (i, Error: (string?)null, Seen: File.Exists(Path.Combine(mount.Root, "file.txt")));
            }
            catch (IOException ex)
            {
                return (i, Error: ex.Message.Contains($"'{mountPoint}'") ? "its own" : ex.Message, Seen: false);
            }
        })).ToList();

        var results = await Task.WhenAll(attempts);

        Assert.All(results, r => Assert.Equal(r.i % 2 == 0 ? (null, true) : ("its own", false), (r.Error, r.Seen)));
    }

    /// <summary>The layers are named through detached copies of their folders (<c>open_tree</c>): with plain paths the
    /// kernel looked at every earlier workspace's mount for each new one. Upper and work folders with different parents
    /// cannot share a copy and are named plainly, and mount as well.</summary>
    [Fact]
    public async Task Layers_AreNamedThroughDetachedCopies()
    {
        using var ns = MountNamespace.Start();
        var lower = Template();
        using var workspace = await Workspace.OpenAsync(Path.Combine(_base, "ws"), lower, ns);
        using var apart = await OverlayMount.StartAsync(lower, Folder("apart/upper"), Folder("elsewhere/work"), Folder("apart/merged"), ns);

        var mounts = File.ReadAllLines($"/proc/{ns.Pid}/mountinfo");
        Assert.Matches(@"lowerdir=/proc/self/fd/\d+,upperdir=/proc/self/fd/\d+/ws/upper,workdir=/proc/self/fd/\d+/ws/work,",
            Assert.Single(mounts, m => m.Contains($" {workspace.Mount!.MountPoint} ")));
        Assert.Contains($"upperdir={Path.Combine(_base, "apart/upper")},", Assert.Single(mounts, m => m.Contains($" {apart.MountPoint} ")));
        Assert.True(File.Exists(Path.Combine(apart.Root, "file.txt")));
    }

    [Fact]
    public void TheNamespace_EndsWithTheHelpersInput()
    {
        var ns = MountNamespace.Start();
        using var mount = OverlayMount.Start(Template(), Folder("upper"), Folder("work"), Folder("merged"), ns);
        using var helper = Process.GetProcessById(ns.Pid);

        ns.Dispose(); // closes its stdin, as the kernel does when we die, SIGKILL included

        Assert.True(helper.WaitForExit(10_000), "the helper outlived its input");
        Assert.False(mount.IsAlive);
    }

    [Fact]
    public async Task AWorkspaceWhoseHelperWasKilled_MountsAgain_WithItsChanges()
    {
        var ns = MountNamespace.Start();
        using var workspace = await Workspace.OpenAsync(Path.Combine(_base, "ws"), Template(), ns);
        File.WriteAllText(Path.Combine(workspace.Root, "mine.txt"), "mine\n");
        using (var helper = Process.GetProcessById(ns.Pid))
        {
            helper.Kill();
            Assert.True(helper.WaitForExit(10_000));
        }

        var again = workspace.Mount!;

        Assert.NotEqual(ns.Pid, again.Pid);
        Assert.True(again.IsAlive);
        Assert.Equal("mine\n", File.ReadAllText(Path.Combine(workspace.Root, "mine.txt")));
        Assert.Equal("template\n", File.ReadAllText(Path.Combine(workspace.Root, "file.txt")));
        ns.Dispose();
    }

    private string Template()
    {
        var lower = Folder("lower");
        File.WriteAllText(Path.Combine(lower, "file.txt"), "template\n");
        return lower;
    }

    private string Folder(string name) => Directory.CreateDirectory(Path.Combine(_base, name)).FullName;

    public void Dispose() => Directory.Delete(_base, recursive: true);
}
