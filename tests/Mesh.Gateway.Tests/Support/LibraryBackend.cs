using System.Collections.Concurrent;
using Google.Api;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Mesh.Gateway.Tests.Proto;

namespace Mesh.Gateway.Tests.Support;

/// <summary>What the backend saw: the last request of each method, and whether streams were cancelled.</summary>
public sealed class BackendState
{
    public ConcurrentDictionary<string, IMessage> LastRequest { get; } = new();
    public ConcurrentDictionary<string, string> LastHeaders { get; } = new();
    public TaskCompletionSource StreamCancelled { get; set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public int StreamSent;
    public int FlakyShelfAttempts;

    /// <summary>Calls that reached the backend, per method (every attempt counts).</summary>
    public ConcurrentDictionary<string, int> Calls { get; } = new();

    public int CallsTo(string method) => Calls.GetValueOrDefault(method);
}

/// <summary>The test backend: answers every Library method from the request, so tests see what the gateway bound.</summary>
public sealed class LibraryBackend(BackendState state) : Library.LibraryBase
{
    private T Seen<T>(string method, T request, ServerCallContext context) where T : IMessage
    {
        state.LastRequest[method] = request;
        state.Calls.AddOrUpdate(method, 1, static (_, n) => n + 1);
        foreach (var header in context.RequestHeaders) if (!header.IsBinary) state.LastHeaders[$"{method}:{header.Key}"] = header.Value;
        return request;
    }

    public override Task<Shelf> GetShelf(GetShelfRequest request, ServerCallContext context)
    {
        Seen(nameof(GetShelf), request, context);
        if (request.ShelfId == 404) throw new RpcException(new Status(StatusCode.NotFound, "shelf 404 does not exist"));
        // Shelf 503 is flaky: every other attempt fails with UNAVAILABLE (the first one included).
        if (request.ShelfId == 503 && Interlocked.Increment(ref state.FlakyShelfAttempts) % 2 == 1)
            throw new RpcException(new Status(StatusCode.Unavailable, "shelf 503 is briefly unavailable"));
        return Task.FromResult(new Shelf { Id = request.ShelfId, Theme = request.IncludeBooks ? "with books" : "Poetry",
            CreateTime = Timestamp.FromDateTime(new DateTime(2024, 5, 1, 10, 0, 0, DateTimeKind.Utc)) });
    }

    public override Task<Shelf> CreateShelf(Shelf request, ServerCallContext context) =>
        Task.FromResult(Seen(nameof(CreateShelf), request, context).Clone());

    public override Task<Shelf> ReplaceShelf(ReplaceShelfRequest request, ServerCallContext context) =>
        Task.FromResult(Seen(nameof(ReplaceShelf), request, context).Shelf ?? new Shelf());

    public override Task<Book> GetBook(GetBookRequest request, ServerCallContext context) =>
        Task.FromResult(new Book { Name = Seen(nameof(GetBook), request, context).Name, Title = "Odes", PageCount = 9007199254740993 });

    public override Task<ListBooksResponse> ListBooks(ListBooksRequest request, ServerCallContext context)
    {
        Seen(nameof(ListBooks), request, context);
        var response = new ListBooksResponse { NextPageToken = $"{request.Parent}|{request.PageSize}|{request.PageToken}" };
        foreach (var genre in request.Genres) response.Books.Add(new Book { Genre = genre });
        return Task.FromResult(response);
    }

    public override Task<Book> CreateBook(CreateBookRequest request, ServerCallContext context)
    {
        Seen(nameof(CreateBook), request, context);
        var book = request.Book.Clone();
        book.Name = $"{request.Parent}/books/{request.BookId}";
        return Task.FromResult(book);
    }

    public override Task<Book> UpdateBook(UpdateBookRequest request, ServerCallContext context) =>
        Task.FromResult(Seen(nameof(UpdateBook), request, context).Book);

    public override Task<Empty> DeleteBook(DeleteBookRequest request, ServerCallContext context)
    {
        Seen(nameof(DeleteBook), request, context);
        return Task.FromResult(new Empty());
    }

    public override Task<BookCover> GetBookCover(GetBookRequest request, ServerCallContext context) =>
        Task.FromResult(new BookCover { Name = Seen(nameof(GetBookCover), request, context).Name,
            Cover = new Cover { ImageUrl = "https://img.example/c.png", Width = 600, Height = 800 } });

    public override Task<Loan> CancelLoan(CancelLoanRequest request, ServerCallContext context)
    {
        Seen(nameof(CancelLoan), request, context);
        return Task.FromResult(new Loan
        {
            Name = request.Name, State = "CANCELLED", Reason = request.Reason,
            IdempotencyKey = context.RequestHeaders.GetValue("idempotency-key") ?? "",
            RequestId = context.RequestHeaders.GetValue("x-request-id") ?? "",
        });
    }

    public override Task<ListBooksResponse> SearchBooks(SearchBooksRequest request, ServerCallContext context) =>
        Task.FromResult(new ListBooksResponse { NextPageToken = Seen(nameof(SearchBooks), request, context).Query });

    public override Task<HttpBody> GetArchiveFile(GetArchiveFileRequest request, ServerCallContext context) =>
        Task.FromResult(new HttpBody { ContentType = "text/plain", Data = ByteString.CopyFromUtf8("file:" + Seen(nameof(GetArchiveFile), request, context).Path) });

    public override Task<EchoMessage> Echo(EchoMessage request, ServerCallContext context) =>
        Task.FromResult(Seen(nameof(Echo), request, context));

    public override async Task WatchShelf(WatchShelfRequest request, IServerStreamWriter<ShelfEvent> responseStream, ServerCallContext context)
    {
        Seen(nameof(WatchShelf), request, context);
        var interval = request.Interval?.ToTimeSpan() ?? TimeSpan.Zero;
        try
        {
            for (var i = 1; request.Count == 0 || i <= request.Count; i++)
            {
                if (request.FailAfter < 0 || (request.FailAfter > 0 && i > request.FailAfter))
                    throw new RpcException(new Status((StatusCode)request.FailCode, "stream failed on purpose"));
                await responseStream.WriteAsync(new ShelfEvent { ShelfId = request.ShelfId, Sequence = i, Text = $"event {i}" });
                Interlocked.Increment(ref state.StreamSent);
                if (interval > TimeSpan.Zero) await Task.Delay(interval, context.CancellationToken);
            }
        }
        // A disconnect during a write surfaces as that write's failure, not always as an OperationCanceledException.
        catch (Exception) when (context.CancellationToken.IsCancellationRequested)
        {
            state.StreamCancelled.TrySetResult();
            throw;
        }
    }

    public override Task<Reader> GetReader(ReaderRequest request, ServerCallContext context) =>
        Task.FromResult(new Reader { Name = Seen(nameof(GetReader), request, context).Name, AnsweredBy = nameof(GetReader) });

    public override Task<Reader> CheckReader(ReaderRequest request, ServerCallContext context) =>
        Task.FromResult(new Reader { Name = Seen(nameof(CheckReader), request, context).Name, AnsweredBy = nameof(CheckReader) });

    public override Task<Reader> SuspendReader(ReaderRequest request, ServerCallContext context) =>
        Task.FromResult(new Reader { Name = Seen(nameof(SuspendReader), request, context).Name, AnsweredBy = nameof(SuspendReader) });

    public override async Task<Empty> Fail(FailRequest request, ServerCallContext context)
    {
        Seen(nameof(Fail), request, context);
        if (request.Sleep is { } sleep) await Task.Delay(sleep.ToTimeSpan(), context.CancellationToken);
        var status = new Google.Rpc.Status { Code = request.Code, Message = request.Message };
        if (request.BadField.Length > 0)
            status.Details.Add(Any.Pack(new Google.Rpc.BadRequest
            {
                FieldViolations = { new Google.Rpc.BadRequest.Types.FieldViolation { Field = request.BadField, Description = "is wrong" } },
            }));
        if (request.Code == 0) return new Empty();
        throw status.ToRpcException();
    }
}
