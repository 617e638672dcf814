"""The placement check at onboarding: start it, answer its questions, end it early."""

from ..contract import operation
from ..responses import PlacementState
from ..schemas import PlacementAnswers
from ..services.placement import answer_placement, finish_placement, my_placement, start_placement
from .base import APIHandler


class PlacementHandler(APIHandler):
    @operation("Where the signed-in student's placement check stands, with the question to answer now.", ok={200: PlacementState}, errors=(404,))
    async def get(self):
        self.reply(await my_placement(self.ctx, self.require_user()))

    @operation("Start the placement check (it runs once; starting again shows where it stands).", ok={200: PlacementState}, errors=(400, 404, 409))
    async def post(self):
        self.reply(await start_placement(self.ctx, self.require_user()))


class PlacementAnswersHandler(APIHandler):
    @operation("Answer the current placement question: what each printed line shows.", body=PlacementAnswers, ok={200: PlacementState}, errors=(404, 409))
    async def post(self):
        who = self.require_user()
        self.reply(await answer_placement(self.ctx, who, self.parse(PlacementAnswers)))


class PlacementFinishHandler(APIHandler):
    @operation("End the placement check early; the answers given so far count.", ok={200: PlacementState}, errors=(400, 404, 409))
    async def post(self):
        self.reply(await finish_placement(self.ctx, self.require_user()))


default_handlers = [
    ("/me/placement", PlacementHandler),
    ("/me/placement/answers", PlacementAnswersHandler),
    ("/me/placement/finish", PlacementFinishHandler),
]
