"""The placement check at onboarding: start it, answer its questions, end it early."""

from ..schemas import PlacementAnswers
from ..services.placement import answer_placement, finish_placement, my_placement, start_placement
from .base import APIHandler


class PlacementHandler(APIHandler):
    async def get(self):
        self.write_json(await my_placement(self.ctx, self.require_user()))

    async def post(self):
        self.write_json(await start_placement(self.ctx, self.require_user()))


class PlacementAnswersHandler(APIHandler):
    async def post(self):
        who = self.require_user()
        self.write_json(await answer_placement(self.ctx, who, self.parse(PlacementAnswers)))


class PlacementFinishHandler(APIHandler):
    async def post(self):
        self.write_json(await finish_placement(self.ctx, self.require_user()))


default_handlers = [
    ("/me/placement", PlacementHandler),
    ("/me/placement/answers", PlacementAnswersHandler),
    ("/me/placement/finish", PlacementFinishHandler),
]
