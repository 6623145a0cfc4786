namespace Mesh.ServiceDefaults.Resilience;

/// <summary>
/// The deadline and cancellation an outgoing call really gets: its own deadline, else the method's default one,
/// capped by the remaining time of the incoming call being served (so A's 200 ms budget bounds B → C too);
/// and cancelled when either its caller or the incoming call is cancelled.
/// </summary>
internal static class CallPropagation
{
    public static CallOptions Apply(CallOptions options, TimeSpan? defaultDeadline, out CancellationTokenSource? linkedSource)
    {
        linkedSource = null;
        DateTime? deadline = options.Deadline is { } own && own != DateTime.MaxValue
            ? own.ToUniversalTime()
            : defaultDeadline is { } fallback ? DateTime.UtcNow + fallback : null;
        var token = options.CancellationToken;

        if (ServerCallScope.Current is { } incoming)
        {
            var incomingDeadline = incoming.Deadline;
            if (incomingDeadline != DateTime.MaxValue && (deadline is null || incomingDeadline < deadline))
                deadline = incomingDeadline;

            var incomingToken = incoming.CancellationToken;
            if (incomingToken.CanBeCanceled && incomingToken != token)
            {
                if (!token.CanBeCanceled) token = incomingToken;
                else
                {
                    linkedSource = CancellationTokenSource.CreateLinkedTokenSource(token, incomingToken);
                    token = linkedSource.Token;
                }
            }
        }
        return new CallOptions(options.Headers, deadline, token, options.WriteOptions, options.Compression);
    }
}
