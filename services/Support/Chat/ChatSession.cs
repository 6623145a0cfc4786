using Mesh.Support.Tickets;
using Mesh.Support.V1;

namespace Mesh.Support.Chat;

/// <summary>
/// One client's chat stream on one ticket, after its join was accepted. Two loops share the stream: the receiving
/// loop stores what the client sends (a message is acknowledged only after its transaction committed) and the
/// delivering loop sends every stored message after the client's last sequence — first the replay from the database,
/// then, woken by <see cref="ChatFanout"/>, whatever any replica stores next — plus typing and read signals. The
/// subscription is made BEFORE the replay, so a message committed during the replay wakes the loop again: nothing
/// falls between replay and live. Messages go out in sequence order, each once per stream.
/// </summary>
public sealed class ChatSession(TicketStore store, Conversation conversation, ChatFanout fanout, SupportCaller caller, Guid ticketId, IServerStreamWriter<ChatEvent> output)
{
    private const int ReplayPage = 500;
    private readonly SemaphoreSlim _writing = new(1, 1);
    private long _lastSent;

    public async Task RunAsync(long afterSequence, IAsyncStreamReader<ChatEvent> input, CancellationToken cancellationToken)
    {
        _lastSent = afterSequence;
        using var subscription = fanout.Subscribe(ticketId);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        foreach (var (reader, sequence) in await store.ReadReceiptsAsync(ticketId, cancellationToken))
            await WriteAsync(new ChatEvent { Read = new ReadReceipt { ReaderId = reader.ToString(), Sequence = sequence } }, cancellationToken);
        var delivering = DeliverAsync(subscription, stop.Token);
        var receiving = ReceiveAsync(input, stop.Token);
        var first = await Task.WhenAny(delivering, receiving);
        await stop.CancelAsync();
        try
        {
            await Task.WhenAll(delivering, receiving);
        }
        catch (OperationCanceledException) when (first.Status == TaskStatus.RanToCompletion || stop.IsCancellationRequested)
        {
            // the other loop was stopped because the first ended; the first's own failure (if any) is thrown below
        }
        await first; // a failed loop ends the call with its status (e.g. INVALID_ARGUMENT for an oversize message)
    }

    private async Task ReceiveAsync(IAsyncStreamReader<ChatEvent> input, CancellationToken cancellationToken)
    {
        while (await input.MoveNext(cancellationToken))
        {
            var e = input.Current;
            switch (e.EventCase)
            {
                case ChatEvent.EventOneofCase.Message:
                    var m = e.Message;
                    Conversation.Validate(m.Body, m.ClientMessageId, "message.body", "message.client_message_id");
                    if (m.ClientMessageId.Length == 0) new FieldViolations().Add("message.client_message_id", "is required (the ack names it; a resend with it is stored once)").ThrowIfAny();
                    var (stored, _) = await conversation.PostAsync(caller, ticketId, m.Body, m.Internal, m.ClientMessageId, chat: true, cancellationToken);
                    await WriteAsync(new ChatEvent { Ack = new ChatEvent.Types.Ack { ClientMessageId = m.ClientMessageId, Sequence = stored.Sequence } }, cancellationToken);
                    break;
                case ChatEvent.EventOneofCase.Typing:
                    await store.NotifyAsync(new ChatSignal(ChatSignal.Typing, ticketId, caller.Id).ToPayload(), cancellationToken);
                    break;
                case ChatEvent.EventOneofCase.Read:
                    await conversation.MarkReadAsync(caller, ticketId, e.Read.Sequence, cancellationToken);
                    break;
                default:
                    new FieldViolations().Add("event", "must be message, typing or read after the join").ThrowIfAny();
                    break;
            }
        }
    }

    private async Task DeliverAsync(ChatSubscription subscription, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (subscription.TakeStoredPending()) await SendStoredAsync(cancellationToken);
            var signal = await subscription.Signals.ReadAsync(cancellationToken);
            if (signal.UserId == caller.Id) continue; // one's own typing and receipts are not echoed
            if (signal.Kind == ChatSignal.Typing)
                await WriteAsync(new ChatEvent { Typing = new ChatEvent.Types.Typing { UserId = signal.UserId.ToString() } }, cancellationToken);
            else if (signal.Kind == ChatSignal.Read)
                await WriteAsync(new ChatEvent { Read = new ReadReceipt { ReaderId = signal.UserId.ToString(), Sequence = signal.Sequence } }, cancellationToken);
        }
    }

    private async Task SendStoredAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var page = await store.MessagesAfterAsync(ticketId, _lastSent, caller.IsStaff, ReplayPage, cancellationToken);
            foreach (var message in page)
            {
                await WriteAsync(new ChatEvent { Message = SupportMapping.ToProto(message) }, cancellationToken);
                _lastSent = message.Sequence;
            }
            if (page.Count < ReplayPage) return;
        }
    }

    private async Task WriteAsync(ChatEvent e, CancellationToken cancellationToken)
    {
        await _writing.WaitAsync(cancellationToken);
        try { await output.WriteAsync(e, cancellationToken); }
        finally { _writing.Release(); }
    }
}
