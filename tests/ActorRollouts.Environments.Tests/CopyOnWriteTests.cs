using System.Text;
using ActorRollouts.Core.Model;
using ActorRollouts.Environments.Files;
using ActorRollouts.Environments.Workspaces;

namespace ActorRollouts.Environments.Tests;

/// <summary>A workspace is copy-on-write over its captured template: the session's folder holds only its changes, the
/// in-process tools and bash see one tree, the template is never modified, and the journaled changes rebuild the
/// workspace exactly.</summary>
public class CopyOnWriteTests
{
    /// <summary>A small tree with what real repositories hold: nested folders, an executable, a binary file, a relative
    /// link inside, a link to a file outside and a dangling link.</summary>
    private static void RealisticTemplate(string root, string outside)
    {
        Directory.CreateDirectory(Path.Combine(root, "pkg/sub"));
        File.WriteAllText(Path.Combine(root, "pkg/mod.py"), "def f():\n    return 1\n");
        File.WriteAllText(Path.Combine(root, "pkg/sub/deep.txt"), "deep\n");
        File.WriteAllText(Path.Combine(root, "pkg/sub/other.txt"), "other\n");
        File.WriteAllText(Path.Combine(root, "run.sh"), "#!/bin/sh\necho hi\n");
        File.SetUnixFileMode(Path.Combine(root, "run.sh"), (UnixFileMode)Convert.ToInt32("755", 8));
        File.WriteAllText(Path.Combine(root, "notes.txt"), "one\ntwo\nthree\n");
        File.WriteAllText(Path.Combine(root, "append.txt"), "start\n");
        File.WriteAllText(Path.Combine(root, "truncate.txt"), "long content\n");
        File.WriteAllBytes(Path.Combine(root, "data.bin"), [0, 1, 2, 255]);
        File.CreateSymbolicLink(Path.Combine(root, "alias.py"), "pkg/mod.py");
        File.CreateSymbolicLink(Path.Combine(root, "secret-link"), Path.Combine(outside, "secret.txt"));
        File.CreateSymbolicLink(Path.Combine(root, "dangling.so"), "../../nowhere/lib.so");
    }

    private static TempWorkspace Realistic() => new(RealisticTemplate, TempWorkspace.Plain);

    [Fact]
    public void NewWorkspace_HoldsNothingOfItsOwn_AndShowsTheTemplate()
    {
        using var ws = Realistic();

        Assert.Empty(Directory.EnumerateFileSystemEntries(ws.Workspace.Upper));
        Assert.Equal(TreeListing.Of(ws.Template!.Folder), TreeListing.Of(ws.Workspace.Root));
    }

    [Fact]
    public async Task ToolsAndBash_SeeOneAndTheSameTree()
    {
        using var ws = Realistic();

        var written = await ws.Run("write_file", new { path = "made-by-tool.txt", content = "tool\n" });
        var bash = await ws.Run("bash", new { command = "cat made-by-tool.txt && echo bash > made-by-bash.txt && rm notes.txt && sed -i 's/1/2/' pkg/mod.py" });
        var read = await ws.Run("read_file", new { path = "made-by-bash.txt" });
        var gone = await ws.Run("read_file", new { path = "notes.txt" });
        var listed = await ws.Run("list_files", new { });
        var found = await ws.Run("search", new { pattern = "return 2" });

        Assert.True(written.Ok && bash.Ok, bash.Content);
        Assert.Contains("tool", bash.Content);
        Assert.Contains("bash", read.Content);
        Assert.Equal(ErrorCodes.NotFound, gone.ErrorCode);
        Assert.Contains("made-by-bash.txt", listed.Content);
        Assert.DoesNotContain("notes.txt", listed.Content);
        Assert.Contains("pkg/mod.py:2:", found.Content);
    }

    /// <summary>Without a template nothing is shared, so nothing is mounted: the tree is the session's own folder, no
    /// process holds a namespace for it, and tools and bash still see one tree, as the same user (root) that a command
    /// in a copy-on-write workspace sees.</summary>
    [Fact]
    public async Task WithoutATemplate_NothingIsMounted_AndBashSeesTheSameTreeAndUser()
    {
        using var plain = new TempWorkspace(TempWorkspace.Plain);
        using var overlaid = Realistic();

        Assert.Null(plain.Workspace.Mount);
        Assert.Equal(plain.Workspace.Upper, plain.Workspace.Root);
        Assert.NotNull(overlaid.Workspace.Mount);
        var written = await plain.Run("write_file", new { path = "made-by-tool.txt", content = "tool\n" });
        var bash = await plain.Run("bash", new { command = "cat made-by-tool.txt && echo bash > made-by-bash.txt && pwd && id -u" });
        var read = await plain.Run("read_file", new { path = "made-by-bash.txt" });
        var overlaidUser = await overlaid.Run("bash", new { command = "id -u" });

        Assert.True(written.Ok && bash.Ok, bash.Content);
        Assert.Contains("tool", bash.Content);
        Assert.Contains("bash", read.Content);
        Assert.Equal(["made-by-bash.txt", "made-by-tool.txt"], Directory.GetFiles(plain.Workspace.Upper).Select(Path.GetFileName).Order());
        var lines = Stdout(bash).Split('\n');
        Assert.Equal(["tool", "/workspace"], lines[..2]);
        Assert.Equal(Stdout(overlaidUser), lines[2]);
    }

    private static string Stdout(ToolResult result) =>
        result.Content[(result.Content.IndexOf("--- stdout ---\n", StringComparison.Ordinal) + "--- stdout ---\n".Length)..].Trim();

    [Fact]
    public async Task Touch_IsNoChange_ButAChangedModeIs()
    {
        using var ws = Realistic();

        var touched = await ws.Execute("bash", new { command = "touch notes.txt pkg/sub/deep.txt" });
        var chmodded = await ws.Execute("bash", new { command = "chmod 600 notes.txt" });

        Assert.Empty(touched.Changes);
        Assert.Null(touched.Outcome.FilesChanged);
        var change = Assert.Single(chmodded.Changes);
        Assert.Equal(("notes.txt", FileChangeKinds.Modified, Convert.ToInt32("600", 8)), (change.Path, change.Change, change.Mode!.Value));
        Assert.Null(change.Diff);    // same text
        Assert.Null(change.Content); // the template's content
    }

    [Fact]
    public async Task TheTemplate_IsNeverModified_WhateverBashDoes()
    {
        using var ws = Realistic();
        var before = TreeListing.Of(ws.Template!.Folder);

        var result = await ws.Run("bash", new
        {
            command = "echo more >> append.txt && chmod 777 run.sh && ln notes.txt hard-link && echo via-link >> hard-link && truncate -s 0 truncate.txt " +
                      "&& printf '\\x07' >> data.bin && rm -r pkg/sub && mv pkg/mod.py moved.py && echo through >> alias.py; touch -d 2001-01-01 notes.txt; true",
        });
        await ws.Run("write_file", new { path = "notes.txt", content = "tool wrote\n" });
        await ws.Run("edit_file", new { path = "append.txt", old_string = "start", new_string = "begin" });
        await ws.Run("delete_file", new { path = "data.bin" });

        Assert.True(result.Ok, result.Content);
        Assert.Equal(before, TreeListing.Of(ws.Template.Folder));
        Assert.Equal("", File.ReadAllText(ws.PathOf("truncate.txt")));
    }

    [Fact]
    public async Task ALinkToAFileOutside_IsRefusedByEveryTool_AndDanglesInTheSandbox()
    {
        using var ws = Realistic();

        foreach (var (tool, args) in new (string, object)[]
                 {
                     ("read_file", new { path = "secret-link" }),
                     ("write_file", new { path = "secret-link", content = "x" }),
                     ("edit_file", new { path = "secret-link", old_string = "sentinel", new_string = "x" }),
                     ("delete_file", new { path = "secret-link" }),
                     ("search", new { pattern = "sentinel", path = "secret-link" }),
                     ("list_files", new { path = "secret-link" }),
                 })
            Assert.Equal(ErrorCodes.Permissions, (await ws.Run(tool, args)).ErrorCode);
        var bash = await ws.Run("bash", new { command = "cat secret-link" });
        var search = await ws.Run("search", new { pattern = "sentinel" });

        Assert.NotEqual(0, bash.Data!["exit_code"].GetInt32());
        Assert.DoesNotContain("sentinel", bash.Content.Replace("secret-link", ""));
        Assert.Contains("[no matches]", search.Content);
        Assert.Equal("sentinel\n", File.ReadAllText(Path.Combine(ws.Outside, "secret.txt")));
    }

    [Fact]
    public async Task ChangeTracking_ReadsOnlyTheSessionsChanges()
    {
        using var ws = Realistic();

        var execution = await ws.Execute("write_file", new { path = "pkg/new.txt", content = "new\n" });

        Assert.Equal(["pkg/new.txt"], execution.Changes.Select(c => c.Path));
        // What the session holds: the file and the folder it is in, nothing else of the template.
        Assert.Equal(["pkg", "pkg/new.txt"], Directory.EnumerateFileSystemEntries(ws.Workspace.Upper, "*", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(ws.Workspace.Upper, p)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task JournaledChanges_RebuildTheWorkspace_AsATree_AndAsAnUpperLayer()
    {
        using var ws = Realistic();
        var changes = new List<FileChange>();
        async Task Do(string tool, object args)
        {
            var execution = await ws.Execute(tool, args);
            Assert.True(execution.Outcome.Ok, execution.Outcome.Content);
            changes.AddRange(execution.Changes);
        }

        await Do("write_file", new { path = "src/app.py", content = "print('app')\n" });
        await Do("edit_file", new { path = "notes.txt", old_string = "two", new_string = "TWO" });
        await Do("bash", new
        {
            command = "sed -i 's/hi/hello/' run.sh && mv pkg/sub/other.txt pkg/other.txt && rm -r pkg/sub && mkdir -p pkg/sub && echo again > pkg/sub/new.txt " +
                      "&& head -c 300000 /dev/urandom > big.bin && printf 'a\\x00b' > small.bin && ln -s src/app.py app-link && chmod 700 src && touch append.txt " +
                      "&& mkdir empty && rm dangling.so",
        });
        await Do("delete_file", new { path = "data.bin" });
        await Do("write_file", new { path = "copy.bin.txt", content = "print('app')\n" }); // same content as src/app.py: stored once
        var live = TreeListing.Of(ws.Workspace.Root);

        var tree = Path.Combine(ws.Base, "rebuilt-tree");
        new WorkspaceRebuild(ws.Template!.Folder, changes, ws.Blobs).WriteTree(tree);
        var upperFolder = Path.Combine(ws.Base, "rebuilt-ws");
        new WorkspaceRebuild(ws.Template.Folder, changes, ws.Blobs).WriteUpper(Workspace.UpperOf(upperFolder));
        using var reopened = Workspace.Open(upperFolder, ws.Template.Folder);

        Assert.Equal(live, TreeListing.Of(tree));
        Assert.Equal(live, TreeListing.Of(reopened.Root));

        // Browsed without writing anything (the viewer): the written tree's entries, kinds, sizes, link targets and contents.
        var browsed = new WorkspaceRebuild(ws.Template.Folder, changes, ws.Blobs);
        var written = Directory.EnumerateFileSystemEntries(tree, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
            .Select(full => new FileInfo(full) is var info && info.LinkTarget is { } target
                ? new WorkspaceEntry(Path.GetRelativePath(tree, full), WorkspaceEntry.Link, 0, target)
                : Directory.Exists(full) ? new WorkspaceEntry(Path.GetRelativePath(tree, full), WorkspaceEntry.Folder, 0)
                : new WorkspaceEntry(Path.GetRelativePath(tree, full), WorkspaceEntry.File, info.Length))
            .OrderBy(e => e.Path, StringComparer.Ordinal).ToList();
        Assert.Equal(written, browsed.Entries());
        foreach (var file in written.Where(e => e.Kind == WorkspaceEntry.File))
        {
            using var content = new MemoryStream();
            using (var opened = browsed.OpenFile(file.Path)) opened.CopyTo(content);
            Assert.Equal(File.ReadAllBytes(Path.Combine(tree, file.Path)), content.ToArray());
        }
        Assert.Throws<FileNotFoundException>(() => browsed.OpenFile("data.bin")); // deleted
        Assert.Throws<FileNotFoundException>(() => browsed.OpenFile("pkg/sub/other.txt")); // its folder was removed
        Assert.Throws<FileNotFoundException>(() => browsed.OpenFile("alias.py")); // a link is never followed
        Assert.Equal(ChangeTracker.InlineBytes < 300_000, ws.Blobs.Has(changes.Single(c => c.Path == "big.bin").Sha256!));
        Assert.Null(changes.Last(c => c.Path == "copy.bin.txt").Content);
        Assert.Equal("a\0b", Encoding.UTF8.GetString(Convert.FromBase64String(changes.Single(c => c.Path == "small.bin").Content!.Base64!)));
    }

    [Fact]
    public async Task HundredsOfWorkspaces_OpenedAtOnceFromThePool_AllMount()
    {
        // As a fleet at concurrency 256 opens them: each on a thread-pool thread, all at once. A mount that waited on
        // the pool for its own answer starved it, and most timed out after 30 s.
        using var ws = Realistic();

        var opened = await Task.WhenAll(Enumerable.Range(0, 256).Select(i => Task.Run(() => Workspace.Open(Path.Combine(ws.Base, $"s{i}"), ws.Template!.Folder))));

        try
        {
            Assert.All(opened, w => Assert.True(File.Exists(Path.Combine(w.Root, "notes.txt"))));
        }
        finally
        {
            foreach (var w in opened) w.Dispose();
        }
    }

    [Fact]
    public void FileKinds_ReportAWhiteoutAsSuch()
    {
        using var ws = new TempWorkspace();
        var path = Path.Combine(ws.Base, "whiteout");

        OverlayEntries.WriteWhiteout(path);

        Assert.True(FileKinds.Stat(path).IsWhiteout);
    }
}
