namespace ActorRollouts.Core.Model;

/// <summary>Error codes of failed tool results. The model sees them in the result text; analysis groups by them.</summary>
public static class ErrorCodes
{
    public const string NotFound = "E_NOT_FOUND";
    public const string NotUnique = "E_NOT_UNIQUE";
    public const string Validation = "E_VALIDATION";
    public const string Permissions = "E_PERMISSIONS";
    public const string Timeout = "E_TIMEOUT";
    /// <summary>A command ran into one of its limits (memory, processes, CPU time, file size).</summary>
    public const string Limit = "E_LIMIT";
    public const string Unsafe = "E_UNSAFE";
    public const string ConfirmedDeny = "E_CONFIRMED_DENY";
    public const string ToolUnknown = "E_TOOL_UNKNOWN";
    /// <summary>The process died while the tool ran; the call may have partly happened.</summary>
    public const string Interrupted = "E_INTERRUPTED";
    /// <summary>The call did not run, or was stopped: its session was cancelled or ran out of budget.</summary>
    public const string Cancelled = "E_CANCELLED";
    /// <summary>An MCP tool answered that it failed (<c>isError</c>); its text says why.</summary>
    public const string ToolError = "E_TOOL_ERROR";
    /// <summary>The tool itself crashed.</summary>
    public const string Internal = "E_INTERNAL";
}
