using System.Text.Json;
using System.Text.Json.Nodes;
using ActorRollouts.Environments;

namespace ActorRollouts.Cli.Tests;

/// <summary>The journal holds every workspace: <c>workspace --out</c> rebuilds a session's tree from the journal alone,
/// at the end and after any sequence number, equal byte for byte (paths, contents, modes, symlinks) to the live one.</summary>
public class WorkspaceJournalTests
{
    /// <summary>Every kind of change a coding agent makes, by the file tools and by bash, with three snapshots of the live
    /// workspace taken by bash itself (outside the sandbox, so it may copy out) at known points of the journal.</summary>
    private static string Script(string snapshots) => JsonSerializer.Serialize(new
    {
        scenarios = new[]
        {
            new
            {
                turns = new object[]
                {
                    Call("write_file", new { path = "new.txt", content = "new\n" }),
                    Call("read_file", new { path = "README.md" }),
                    Call("edit_file", new { path = "README.md", old_string = "draft", new_string = "final" }),
                    Snapshot(snapshots, 1),
                    Call("bash", new { command = "sed -i 's/app/APP/' src/app.py && mv pkg/a.txt pkg/moved.txt && rm pkg/b.txt && touch README.md " +
                                                 "&& printf '\\x00\\x01\\x02' > bin2.dat && chmod 700 run.sh && mkdir -p deep/er && echo x > deep/er/f.txt" }),
                    Snapshot(snapshots, 2),
                    Call("delete_file", new { path = "new.txt" }),
                    Call("bash", new { command = "head -c 400000 /dev/urandom > big.bin && rm -r deep && ln -s pkg/moved.txt link2 && echo more >> src/app.py && mkdir empty" }),
                    Snapshot(snapshots, 3),
                    Call("bash", new { command = "rm link && echo final > final.txt && chmod 640 pkg/moved.txt" }),
                    new { content = "Done." },
                },
            },
        },
    });

    private static object Call(string name, object arguments) => new { tool_calls = new[] { new { name, arguments } } };

    private static object Snapshot(string snapshots, int n) =>
        Call("bash", new { command = $"dest={snapshots}/$(basename $(dirname $PWD))/{n} && mkdir -p $dest && cp -a . $dest # snapshot-{n}" });

    private static void Template(string root)
    {
        Directory.CreateDirectory(Path.Combine(root, "src"));
        Directory.CreateDirectory(Path.Combine(root, "pkg"));
        File.WriteAllText(Path.Combine(root, "README.md"), "# A draft\n");
        File.WriteAllText(Path.Combine(root, "src/app.py"), "print('app')\n");
        File.WriteAllText(Path.Combine(root, "pkg/a.txt"), "a\n");
        File.WriteAllText(Path.Combine(root, "pkg/b.txt"), "b\n");
        File.WriteAllBytes(Path.Combine(root, "data.bin"), [0, 255, 7]);
        File.WriteAllText(Path.Combine(root, "run.sh"), "#!/bin/sh\n");
        File.SetUnixFileMode(Path.Combine(root, "run.sh"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        File.CreateSymbolicLink(Path.Combine(root, "link"), "src/app.py");
    }

    [Fact]
    public async Task Fleet_WorkspaceOut_EqualsTheLiveWorkspace_AndWorkspaceAt_EqualsWhatBashSawAtThatPoint()
    {
        var dir = Cli.NewTempDir();
        Template(Directory.CreateDirectory(Path.Combine(dir, "template")).FullName);
        var snapshots = Path.Combine(dir, "snapshots");
        await File.WriteAllTextAsync(Path.Combine(dir, "script.json"), Script(snapshots));
        await File.WriteAllLinesAsync(Path.Combine(dir, "tasks.jsonl"), Enumerable.Range(0, 3).Select(i =>
            $$"""{"id":"t{{i}}","prompt":"change things {{i}}","workspace":"template","tools":["read_file","write_file","edit_file","delete_file","bash"]}"""));
        var data = Path.Combine(dir, "data");

        var run = await Cli.RunAsync(["run", Path.Combine(dir, "tasks.jsonl"), "--fake-llm", Path.Combine(dir, "script.json"), "--data-dir", data,
            "--fleet-id", "w", "--sandbox", "none", "--confirm", "auto"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        var template = Assert.Single(Directory.GetDirectories(Path.Combine(data, "templates")));
        for (var i = 0; i < 3; i++)
        {
            var sessionId = $"w:t{i}:0";
            var trace = (await Cli.RunAsync(["trace", sessionId, "--data-dir", data])).Stdout
                .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
            Assert.True(trace.All(l => (bool?)l["data"]?["ok"] != false), string.Join("\n", trace.Where(l => (bool?)l["data"]?["ok"] == false)));
            using (var live = Workspace.Open(Path.Combine(data, "workspaces", "w", $"t{i}-0"), template))
                Assert.Equal(TreeListing.Of(live.Root), TreeListing.Of(await Cli.WorkspaceAsync(data, sessionId)));
            for (var n = 1; n <= 3; n++)
            {
                // Nothing changes the workspace between a call's start and its command's copy: the state after that seq.
                var seq = (long)trace.Single(l => (string?)l["type"] == "tool_call_started" && ((string?)l["data"]!["arguments"])!.Contains($"snapshot-{n}"))["seq"]!;
                Assert.Equal(TreeListing.Of(Path.Combine(snapshots, $"t{i}-0", n.ToString())), TreeListing.Of(await Cli.WorkspaceAsync(data, sessionId, seq)));
            }
        }
        Assert.Equal(TreeListing.Of(Path.Combine(dir, "template")), TreeListing.Of(template)); // never modified
    }

    [Fact]
    public async Task WorkspaceCommand_BadInput_SaysWhatIsWrong()
    {
        var dir = Cli.NewTempDir();
        var data = Path.Combine(dir, "data");
        var run = await Cli.RunAsync(["run", "examples/tasks.jsonl", "--fake-llm", "examples/fake-llm.json", "--data-dir", data, "--fleet-id", "demo"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        var notEmpty = Directory.CreateDirectory(Path.Combine(dir, "full")).FullName;
        await File.WriteAllTextAsync(Path.Combine(notEmpty, "x"), "x");

        var unknown = await Cli.RunAsync(["workspace", "demo:nope:0", "--data-dir", data, "--out", Path.Combine(dir, "a")]);
        var past = await Cli.RunAsync(["workspace", "demo:fix-greeting:0", "--data-dir", data, "--out", Path.Combine(dir, "b"), "--at", "100000"]);
        var full = await Cli.RunAsync(["workspace", "demo:fix-greeting:0", "--data-dir", data, "--out", notEmpty]);

        Assert.Contains("no session 'demo:nope:0'", unknown.Stderr);
        Assert.Contains("past the end", past.Stderr);
        Assert.Contains("is not empty", full.Stderr);
        Assert.All([unknown, past, full], r => Assert.Equal(2, r.ExitCode));
    }
}
