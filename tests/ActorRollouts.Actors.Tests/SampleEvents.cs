using System.Collections.Immutable;
using System.Text.Json;
using ActorRollouts.Core.Fleets;
using ActorRollouts.Core.Model;
using ActorRollouts.Core.Sessions;
using ActorRollouts.Core.Tasks;
using static ActorRollouts.Core.Fleets.FleetEvents;
using static ActorRollouts.Core.Sessions.SessionEvents;

namespace ActorRollouts.Actors.Tests;

/// <summary>One richly filled instance of every journaled event type, immutable collections included.</summary>
internal static class SampleEvents
{
    private static readonly DateTimeOffset At = new(2026, 11, 24, 8, 30, 1, TimeSpan.FromHours(1));

    public static readonly SessionSpec Spec = new("f:t:1", "f", "t", 1, "do it", "sys",
        new Endpoint("http://127.0.0.1:5/v1", "gpt-4o", "chat", "MY_KEY_VAR"), 7, "/tmp/template",
        ["read_file", "write_file"],
        ImmutableSortedDictionary<string, JsonElement>.Empty
            .Add("difficulty", JsonDocument.Parse("\"hard\"").RootElement)
            .Add("tags", JsonDocument.Parse("""["a",{"b":2}]""").RootElement));

    private static readonly FleetSettings Settings = new("gpt-5.1-codex-high", "http://127.0.0.1:5/v1", "auto", "MY_KEY_VAR", "high", 0.6, 4000,
        ImmutableSortedDictionary<string, JsonElement>.Empty.Add("top_k", JsonDocument.Parse("20").RootElement), 20, "deny", "none",
        8, 30, 100_000, new Budget(5000, 1.25m, 600), "/scripts/fake.json");

    private static readonly Core.Tokens.TurnTokens Tokens =
        Core.Tokens.TurnTokens.From(new Core.Tokens.TokenOutput([151644, 872, 198, 9], [40_000, 151645], [-0.5f, -1.25e-5f]), [151644, 872, 198]);

    private static readonly ToolCall Call = new("call_1", "write_file", """{"path":"a.txt","content":"ü\n"}""");

    private static readonly ToolResult Result = new(true, "write_file", "wrote 3 bytes", "call_1", null,
        [new FileDiff("a.txt", "--- /dev/null\n+++ b/a.txt\n@@ -0,0 +1 @@\n+ü\n")], ["a.txt"],
        ImmutableSortedDictionary<string, JsonElement>.Empty.Add("bytes", JsonDocument.Parse("3").RootElement));

    /// <summary>Every journaled type: the events, and a snapshot folded from the session events among them.</summary>
    public static IEnumerable<object> All() => [.. Events(), SessionState.From(Events().OfType<ISessionEvent>())];

    public static IEnumerable<IRolloutEvent> Events() =>
    [
        new SessionStarted(Spec, "/data/workspaces/f/t-1", At),
        new MessageAppended(new Message(Roles.Assistant, "thinking…", "because", [Call], Id: "msg_1"), At),
        new MessageAppended(Message.ToolMessage(Result), At),
        new ModelRequestStarted(2, 3, "chat", "gpt-4o", At),
        new ModelRequestStarted(2, 4, "chat", "Qwen/Qwen3-8B", At, 3, new RequestSampling("http://gpu:8000/v1", 0.6, 4000, 2,
            ImmutableSortedDictionary<string, JsonElement>.Empty.Add("top_p", JsonDocument.Parse("0.95").RootElement), "policy-3")),
        new ModelRequestFailed(2, 3, ModelErrorKinds.Http, 429, 2000, true, "HTTP 429: slow down", At),
        new ModelResponseReceived(2, "chatcmpl-1", new Usage(100, 20, 5, 64), "tool_calls", 812, At),
        new ModelResponseReceived(2, "chatcmpl-2", new Usage(4, 2), "stop", 9, At, Tokens, 3, "fp_44709d6fcb"),
        new ModelResponseReceived(2, "chatcmpl-3", new Usage(4, 2), "stop", 9, At, Core.Tokens.TurnTokens.Unavailable, 3),
        new UsageUpdated(new Usage(300, 60, 10, 128), 0.0012345m, At),
        new ToolCallStarted("call_1", "write_file", Call.Arguments.ToString(), At),   // as journaled before 2026-11-26
        new ToolCallStarted("call_1", "write_file", null, At),
        new ToolCallCompleted(Result, 15, At),
        new FileChanged("call_1", new FileChange("a.txt", FileChangeKinds.Modified, 3, 4, "--- a/a.txt\n+++ b/a.txt\n@@ -1 +1 @@\n-ü\n+üü\n", "ab12"), At),
        new FileChanged("call_1", new FileChange("img.png", FileChangeKinds.Created, null, 2048, null, "cd34", Mode: 420, Content: new FileContent(Base64: "AAEC")), At),
        new FileChanged("call_1", new FileChange("big.bin", FileChangeKinds.Modified, 2048, 1 << 20, null, "ef56", Mode: 493, Content: new FileContent(Blob: "ef56")), At),
        new FileChanged("call_1", new FileChange("link", FileChangeKinds.Created, null, null, null, null, FileEntries.Symlink, LinkTarget: "a.txt"), At),
        new FileChanged("call_1", new FileChange("pkg", FileChangeKinds.Created, null, null, null, null, FileEntries.Directory, Mode: 448), At),
        new ToolCallCompleted(ToolResult.Failure(Call, ErrorCodes.Validation, "bad"), 1, At),
        new ModelReplied(2, "resp_1", new Usage(100, 20, 5, 64), "tool_calls", 812,
            new Message(Roles.Assistant, "thinking…", "because", [Call], Id: "msg_1", ResponseItems: ["""{"type":"reasoning"}"""]),
            new Usage(300, 60, 10, 128), 0.0012345m, At),
        new ModelReplied(3, "chatcmpl-4", new Usage(4, 2), "stop", 9, new Message(Roles.Assistant, "done"), new Usage(304, 62, 10, 128), 0.0013m, At,
            Tokens, 0, "fp_1"),
        new ToolCallFinished(Result, 15,
            [new FileChange("a.txt", FileChangeKinds.Modified, 3, 4, "--- a/a.txt\n+++ b/a.txt\n@@ -1 +1 @@\n-ü\n+üü\n", "ab12"),
             new FileChange("img.png", FileChangeKinds.Created, null, 2048, null, "cd34", Mode: 420, Content: new FileContent(Base64: "AAEC"))], At),
        new ToolCallFinished(ToolResult.Failure(Call, ErrorCodes.Cancelled, "stopped"), 0, [], At),
        new EventBatch([
            new SessionResumed(7, ["call_1"], At),
            new ToolCallFinished(Result, 15, [new FileChange("a.txt", FileChangeKinds.Created, null, 3, null, "ab12", Mode: 420, Content: new FileContent(Text: "ü\n"))], At),
            new MessageAppended(Message.ToolMessage(Result), At),   // compact inside a batch too
            new ModelRequestStarted(3, 1, "chat", "gpt-4o", At),
        ]),
        new ConfirmationRequested("call_1", "delete_file", """{"path":"a.txt"}""", At),
        new ConfirmationRequested("call_1", "delete_file", null, At),
        new ConfirmationResolved("call_1", false, "policy:deny", At),
        new SessionResumed(41, ["call_1"], At),
        new SessionCompleted(StopReasons.MaxTurns, At),
        new SessionFailed("model call failed", At),
        new RewardAssigned(0.75, "python grade.py", "last line of stdout (exit code 0)", At),
        new GradingFailed("pytest -q", "the grader could not start (exit code 127: command not found)", At),
        new FleetStarted("f", [Spec, Spec with { SessionId = "f:t:2", Sample = 2 }], 8, At),
        new FleetSessionLaunched("f:t:1", At),
        new FleetSessionFinished("f:t:1", SessionOutcomes.Failed, null, "boom", At),
        new FleetStarted("f", [Spec], 4, At, Settings),
        new FleetSettingsChanged(Settings with { ConfirmPolicy = "auto", RequestsPerMinute = 0 }, ["confirm_policy: \"deny\" → \"auto\""], At),
        new FleetControl.SessionCancelRequested("f:t:1", "cancelled by cancel (pid 42)", At),
        new FleetStarted("f", [Spec], 4, At, Settings with { MaxStaleness = 1, RestartStale = true, MaxQueued = 64 }, Open: true),
        new FleetSessionsAdded([Spec with { SessionId = "f:u:0", TaskId = "u" }], At, "a fresh sample of task u: f:u:0 went stale"),
        new SessionSettingsChanged(Spec with { MaxTurns = 40, Budget = new Budget(1000, 0.5m, 60) }, ["max_turns: 20 → 40"], At),
        new SessionCompleted(StopReasons.Budget, At, "token budget of 1,000 reached (1,020 used)"),
        new SessionForked(Spec with { SessionId = "g:t:0", FleetId = "g", Fork = new ForkOrigin("f:t:1", 9) }, "/data/workspaces/g/t-0", "f:t:1", 9,
            SessionState.From([new SessionStarted(Spec, "/data/workspaces/f/t-1", At), new MessageAppended(Message.ToolMessage(Result), At)]),
            [new FileChange("a.txt", FileChangeKinds.Created, null, 3, null, "ab12", Mode: 420, Content: new FileContent(Text: "ü\n"))], At),
        new SessionSettingsChanged(Spec with { SessionId = "a:t:0", Agent = new AgentSpec(["python3", "agent.py"],
            ImmutableSortedDictionary<string, string>.Empty.Add("MODE", "fast"), 600, Network: true) }, ["max_turns: 20 → 30"], At),
        new AgentRequestReceived(2, 1, 0, 3, [Message.User("go on"), new Message(Roles.Tool, "ok", ToolCallId: "call_1")],
            [new ToolSpec("shell", "runs it", JsonDocument.Parse("""{"type":"object","properties":{"command":{"type":"string"}}}""").RootElement)],
            "gpt-4o-mini", "chat", true, At),
        new AgentRequestRejected("Unsupported field 'functions': this gateway cannot forward it.", "functions", At),
        new ContextCompacted("trim", 110_000, 62_500, [new TrimmedResult("call_1", "read_file", 180_000)], At),
        new ReplayDiverged(2, "turn 3 of the journal's 5: message 4 (tool) differs", At),
        new AgentExited(3, false, "Traceback (most recent call last):\n  ValueError", At),
        new MessageAppended(Message.Assistant("done"), At, Thread: 1),
    ];
}
