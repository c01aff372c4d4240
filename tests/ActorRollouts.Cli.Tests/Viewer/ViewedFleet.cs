using ActorRollouts.FakeLlm;

namespace ActorRollouts.Cli.Tests.Viewer;

/// <summary>A finished fleet whose every session is known, run by the real CLI against FakeLlm, and a real <c>view</c>
/// process serving it: two samples that fix a file (an edit with a diff, graded 1), one whose first model attempt gets
/// an HTTP 500 and is retried before the same fix, one that fails on an HTTP 401, and one whose model writes markup
/// (<c>&lt;script&gt;</c>, <c>&lt;img onerror&gt;</c>) into its message, a file name and the file's content.</summary>
public sealed class ViewedFleet : IAsyncLifetime
{
    public const string FleetId = "viewed";

    /// <summary>Each sets <c>window.__xss</c> if it ever runs as markup.</summary>
    public const string ScriptInMessage = "<script>window.__xss = 'message script'</script>";
    public const string ImgInMessage = "<img src=x onerror=\"window.__xss = 'message img'\">";
    public const string FileName = "<img src=x onerror=window.__xss=1>.txt";
    public const string ScriptFileName = "<script>window.__xss=2<\\script>.md"; // a file name cannot hold the "/" of </script>
    public const string ScriptInFile = "<script>window.__xss = 'file script'</script>";

    private const string Fix = """
        { "tool_calls": [ { "name": "read_file", "arguments": { "path": "greeting.txt" } } ] },
        { "content": "'Helo' should be 'Hello'.", "tool_calls": [ { "name": "edit_file", "arguments": { "path": "greeting.txt", "old_string": "Helo, world!", "new_string": "Hello, world!" } } ] },
        { "content": "Fixed." }
        """;

    public static readonly string Script = $$"""
        { "scenarios": [
          { "match": "Fix the greeting", "turns": [ {{Fix}} ] },
          { "match": "Fix it despite a hiccup", "turns": [
              { "tool_calls": [ { "name": "read_file", "arguments": { "path": "greeting.txt" } } ], "fault": { "status": 500, "times": 1,
                "body": { "error": { "message": "The server had an error while processing your request.", "type": "server_error", "param": null, "code": null } } } },
              { "content": "'Helo' should be 'Hello'.", "tool_calls": [ { "name": "edit_file", "arguments": { "path": "greeting.txt", "old_string": "Helo, world!", "new_string": "Hello, world!" } } ] },
              { "content": "Fixed." } ] },
          { "match": "Say hello", "turns": [
              { "content": "hello", "fault": { "status": 401, "times": 99,
                "body": { "error": { "message": "Incorrect API key provided.", "type": "invalid_request_error", "param": null, "code": "invalid_api_key" } } } } ] },
          { "match": "Write markup", "turns": [
              { "content": {{System.Text.Json.JsonSerializer.Serialize(ScriptInMessage + " and " + ImgInMessage)}},
                "tool_calls": [ { "name": "write_file", "arguments": { "path": {{System.Text.Json.JsonSerializer.Serialize(FileName)}}, "content": {{System.Text.Json.JsonSerializer.Serialize(ScriptInFile + "\n")}} } },
                                { "name": "write_file", "arguments": { "path": {{System.Text.Json.JsonSerializer.Serialize(ScriptFileName)}}, "content": "x\n" } } ] },
              { "content": "Done." } ] } ] }
        """;

    public static readonly string[] Tasks =
    [
        """{"id":"fix","prompt":"Fix the greeting.","workspace":"ws","tools":["read_file","edit_file"],"samples":2,"grader":{"command":"grep -q 'Hello, world!' greeting.txt"}}""",
        """{"id":"flaky","prompt":"Fix it despite a hiccup.","workspace":"ws","tools":["read_file","edit_file"]}""",
        """{"id":"denied","prompt":"Say hello."}""",
        """{"id":"markup","prompt":"Write markup.","tools":["write_file"]}""",
    ];

    public string DataDir { get; private set; } = "";
    public ViewerProcess Viewer { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var dir = Cli.NewTempDir();
        Directory.CreateDirectory(Path.Combine(dir, "ws"));
        await File.WriteAllTextAsync(Path.Combine(dir, "ws", "greeting.txt"), "Helo, world!\n");
        await File.WriteAllLinesAsync(Path.Combine(dir, "tasks.jsonl"), Tasks);
        DataDir = Path.Combine(dir, "data");
        await using (var server = await FakeLlmServer.StartAsync(FakeScript.Parse(Script)))
        {
            var run = await Cli.RunAsync(["run", Path.Combine(dir, "tasks.jsonl"), "--base-url", server.BaseUrl.ToString(), "--model", "gpt-4o",
                "--data-dir", DataDir, "--fleet-id", FleetId]);
            if (run.ExitCode != 1) throw new InvalidOperationException($"the fleet should end with one failed session (exit 1): {run}");
        }
        Viewer = await ViewerProcess.StartAsync("view", "--data-dir", DataDir, "--port", "0");
    }

    public async Task DisposeAsync() => await Viewer.DisposeAsync();
}
